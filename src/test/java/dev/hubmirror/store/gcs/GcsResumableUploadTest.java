package dev.hubmirror.store.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.api.gax.retrying.RetrySettings;
import com.google.cloud.NoCredentials;
import com.google.cloud.storage.HttpStorageOptions;
import com.google.cloud.storage.StorageOptions;
import dev.hubmirror.config.StoreConfig;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.store.MultipartUpload;
import dev.hubmirror.store.Part;
import dev.hubmirror.store.PartReceipt;
import dev.hubmirror.store.StoreException;
import dev.hubmirror.store.StoreLocation;
import dev.hubmirror.store.StoredObject;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real GCS client, driven by {@link GcsObjectStore}, against {@link FakeGcsServer}'s JSON protocol. */
class GcsResumableUploadTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final int CHUNK = 2 * FakeGcsServer.GRANULE;
    private static final Map<String, String> SHA = Map.of("hub-mirror-sha256", "ab12");

    private static Vertx vertx;

    private FakeGcsServer fake;
    private GcsObjectStore store;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @BeforeEach
    void start() {
        fake = FakeGcsServer.start();
        store = new GcsObjectStore(StoreLocation.parse("gs://bucket/weights/"), options(fake.host()), vertx, 4, CHUNK);
    }

    @AfterEach
    void stop() {
        store.close();
        fake.close();
    }

    /** Client options for the fake: no credentials, quick retries. */
    static HttpStorageOptions.Builder options(String host) {
        return StorageOptions.http()
                .setHost(host)
                .setProjectId("test-project")
                .setCredentials(NoCredentials.getInstance())
                .setRetrySettings(RetrySettings.newBuilder()
                        .setMaxAttempts(5)
                        .setInitialRetryDelayDuration(Duration.ofMillis(10))
                        .setMaxRetryDelayDuration(Duration.ofMillis(50))
                        .setRetryDelayMultiplier(2.0)
                        .setTotalTimeoutDuration(Duration.ofSeconds(15))
                        .setInitialRpcTimeoutDuration(Duration.ofSeconds(5))
                        .setMaxRpcTimeoutDuration(Duration.ofSeconds(5))
                        .setRpcTimeoutMultiplier(1.0)
                        .build());
    }

    private static <T> T await(Uni<T> uni) {
        return uni.await().atMost(TIMEOUT);
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static List<Part> parts(byte[] content, int partSize) {
        List<Part> parts = new ArrayList<>();
        for (int offset = 0, n = 1; offset < content.length; offset += partSize, n++) {
            int len = Math.min(partSize, content.length - offset);
            parts.add(new Part(n, offset, ByteBuffer.wrap(content, offset, len).slice()));
        }
        return parts;
    }

    private static List<PartReceipt> uploadAll(MultipartUpload upload, List<Part> parts) {
        return Uni.join().all(parts.stream().map(upload::uploadPart).toList()).andFailFast().await().atMost(TIMEOUT);
    }

    private FakeGcsServer.Session onlySession() {
        assertThat(fake.sessions()).hasSize(1);
        return fake.sessions().get(0);
    }

    @Test
    void uploadsInChunksAndCreatesTheObjectOnlyOnComplete() {
        // Given: 3.5 chunks in parts that are not chunk-aligned, subscribed out of order
        byte[] content = bytes(3 * CHUNK + CHUNK / 2, 1);
        List<Part> parts = parts(content, 300_000);
        Collections.shuffle(parts, new Random(5));
        MultipartUpload upload = await(store.beginUpload("models--a--b/blobs/x", content.length, SHA));

        // When
        List<PartReceipt> receipts = uploadAll(upload, parts);
        List<String> beforeComplete = fake.objectNames();
        long persistedBeforeComplete = onlySession().persisted.size();
        await(upload.complete(receipts));

        // Then
        assertThat(beforeComplete).isEmpty();
        assertThat(persistedBeforeComplete).isEqualTo(3L * CHUNK);
        assertThat(fake.object("bucket", "weights/models--a--b/blobs/x")).hasValueSatisfying(blob -> {
            assertThat(blob.content()).isEqualTo(content);
            assertThat(blob.metadata()).isEqualTo(SHA);
        });
        assertThat(onlySession().ranges).containsExactly(
                "bytes 0-" + (CHUNK - 1) + "/*",
                "bytes " + CHUNK + "-" + (2 * CHUNK - 1) + "/*",
                "bytes " + 2 * CHUNK + "-" + (3 * CHUNK - 1) + "/*",
                "bytes " + 3 * CHUNK + "-" + (content.length - 1) + "/" + content.length);
        assertThat(onlySession().finalHash).as("crc32c the client sends with the final request, checked by the fake")
                .isEqualTo("crc32c=" + FakeGcsServer.crc32c(content));
        assertThat(await(store.stat("models--a--b/blobs/x")))
                .contains(new StoredObject("models--a--b/blobs/x", content.length, SHA));
    }

    @Test
    void anObjectOfWholeChunksIsCreatedByAnEmptyFinalRequestOnComplete() {
        // Given
        byte[] content = bytes(2 * CHUNK, 2);
        MultipartUpload upload = await(store.beginUpload("exact", content.length, SHA));
        List<PartReceipt> receipts = uploadAll(upload, parts(content, CHUNK));

        // When
        List<String> beforeComplete = fake.objectNames();
        await(upload.complete(receipts));

        // Then
        assertThat(beforeComplete).isEmpty();
        assertThat(fake.object("bucket", "weights/exact").orElseThrow().content()).isEqualTo(content);
        assertThat(onlySession().ranges).last().isEqualTo("bytes */" + content.length);
    }

    @Test
    void retriesAChunkAnswered503AndCompletes() {
        // Given
        fake.failChunk(2, 503);
        byte[] content = bytes(3 * CHUNK + 10, 3);
        MultipartUpload upload = await(store.beginUpload("retried", content.length, SHA));

        // When
        List<PartReceipt> receipts = uploadAll(upload, parts(content, CHUNK));
        await(upload.complete(receipts));

        // Then
        assertThat(fake.object("bucket", "weights/retried").orElseThrow().content()).isEqualTo(content);
        String second = "bytes " + CHUNK + "-" + (2 * CHUNK - 1) + "/*";
        assertThat(onlySession().ranges).filteredOn(second::equals).hasSize(2);
    }

    @Test
    void resumesACutChunkFromTheOffsetTheSessionReports() {
        // Given: the second chunk is cut after one and a half granules, so the session keeps one granule of it
        fake.cutChunk(2, FakeGcsServer.GRANULE + FakeGcsServer.GRANULE / 2);
        byte[] content = bytes(3 * CHUNK + 10, 4);
        MultipartUpload upload = await(store.beginUpload("resumed", content.length, SHA));

        // When
        List<PartReceipt> receipts = uploadAll(upload, parts(content, CHUNK));
        await(upload.complete(receipts));

        // Then
        assertThat(fake.object("bucket", "weights/resumed").orElseThrow().content()).isEqualTo(content);
        long resumeAt = CHUNK + FakeGcsServer.GRANULE;
        List<String> ranges = onlySession().ranges;
        int query = ranges.indexOf("bytes */*");
        assertThat(query).as("the client asks the session what it holds: %s", ranges).isPositive();
        assertThat(ranges.get(query + 1)).isEqualTo("bytes " + resumeAt + "-" + (2 * CHUNK - 1) + "/*");
    }

    @Test
    void abortAfterSomeChunksCancelsTheSessionAndCreatesNothing() {
        // Given
        byte[] content = bytes(3 * CHUNK + 100, 5);
        List<Part> parts = parts(content, CHUNK);
        MultipartUpload upload = await(store.beginUpload("aborted", content.length, SHA));
        await(upload.uploadPart(parts.get(0)));
        await(upload.uploadPart(parts.get(1)));

        // When
        await(upload.abort());
        await(upload.abort());

        // Then
        FakeGcsServer.Session session = onlySession();
        assertThat(session.cancelled).isTrue();
        assertThat(session.finalized).isFalse();
        assertThat(session.ranges).last().isEqualTo("DELETE");
        assertThat(fake.objectNames()).isEmpty();
        assertThat(await(store.stat("aborted"))).isEmpty();
    }

    @Test
    void anExpiredSessionFailsTheUploadRetriablyWithoutLeakingTheSessionUri() {
        // Given
        byte[] content = bytes(3 * CHUNK, 6);
        List<Part> parts = parts(content, CHUNK);
        MultipartUpload upload = await(store.beginUpload("expired", content.length, SHA));
        await(upload.uploadPart(parts.get(0)));
        fake.expireSessions();

        // When
        Throwable failure = catchThrowable(() -> await(upload.uploadPart(parts.get(1))));
        Throwable again = catchThrowable(() -> await(upload.uploadPart(parts.get(1))));

        // Then
        assertThat(failure).isInstanceOf(StoreException.class)
                .hasMessageContaining("expired")
                .hasMessageContaining("restart the file")
                .hasMessageNotContaining("upload_id=s1")
                .hasNoCause();
        StoreException storeFailure = (StoreException) failure;
        assertThat(storeFailure.retriable()).isTrue();
        assertThat(storeFailure.reason()).isEqualTo(Reason.STORE_ERROR);
        assertThat(again).isSameAs(failure);
        await(upload.abort());
        assertThat(fake.objectNames()).isEmpty();
    }

    @Test
    void refusedCredentialsAreReportedAsAccessDenied() {
        // Given
        fake.refuseAll(403);

        // When
        Throwable failure = catchThrowable(() -> await(store.beginUpload("denied", 10, SHA)));

        // Then
        assertThat(failure).isInstanceOf(StoreException.class).hasMessageContaining("roles/storage.objectAdmin");
        assertThat(((StoreException) failure).reason()).isEqualTo(Reason.STORE_ACCESS_DENIED);
        assertThat(((StoreException) failure).retriable()).isFalse();
    }

    @Test
    void putStatCopyAndDeleteSpeakTheJsonApi() {
        // Given
        byte[] content = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);

        // When
        await(store.put("models--a--b/snapshots/c1/config with space.json", ByteBuffer.wrap(content), SHA));
        await(store.copy("models--a--b/snapshots/c1/config with space.json", "models--a--b/blobs/ab12"));
        await(store.delete("models--a--b/snapshots/c1/config with space.json"));
        await(store.delete("never/there"));

        // Then
        assertThat(fake.objectNames()).containsExactly("bucket/weights/models--a--b/blobs/ab12");
        assertThat(fake.object("bucket", "weights/models--a--b/blobs/ab12").orElseThrow().content()).isEqualTo(content);
        assertThat(await(store.stat("models--a--b/blobs/ab12")))
                .contains(new StoredObject("models--a--b/blobs/ab12", content.length, SHA));
        assertThat(await(store.stat("models--a--b/snapshots/c1/config with space.json"))).isEmpty();
    }

    @Test
    void buildsItsClientFromConfiguration() {
        // Given
        StoreConfig config = new SmallRyeConfigBuilder()
                .addDiscoveredConverters()
                .withMapping(StoreConfig.class)
                .withDefaultValue("mirror.store.url", "gs://bucket/from-config")
                .withDefaultValue("mirror.store.gcs.host", fake.host())
                .withDefaultValue("mirror.store.gcs.project-id", "test-project")
                .withDefaultValue("mirror.store.gcs.anonymous", "true")
                .withDefaultValue("mirror.store.gcs.chunk-size", "512K")
                .withDefaultValue("mirror.store.gcs.workers", "2")
                .build()
                .getConfigMapping(StoreConfig.class);
        byte[] content = bytes(CHUNK + 1, 9);

        // When
        try (GcsObjectStore configured = new GcsObjectStore(StoreLocation.parse(config.url()), config.gcs(), vertx)) {
            MultipartUpload upload = await(configured.beginUpload("k", content.length, SHA));
            await(upload.complete(uploadAll(upload, parts(content, CHUNK))));
        }

        // Then
        assertThat(fake.object("bucket", "from-config/k").orElseThrow().content()).isEqualTo(content);
        assertThat(onlySession().ranges).containsExactly("bytes 0-" + (CHUNK - 1) + "/*", "bytes " + CHUNK + "-" + CHUNK
                + "/" + content.length);
    }

    @Test
    void probeLeavesNoObjectBehind() {
        // When
        await(store.probe());

        // Then
        assertThat(fake.objectNames()).isEmpty();
    }
}
