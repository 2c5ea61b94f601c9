package dev.hubmirror.store.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import dev.hubmirror.store.MultipartUpload;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.ObjectStoreContract;
import dev.hubmirror.store.Part;
import dev.hubmirror.store.PartReceipt;
import dev.hubmirror.store.StoreException;
import dev.hubmirror.store.StoreLocation;
import dev.hubmirror.store.StoredObject;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store's logic against the client's in-memory {@link Storage} from google-cloud-nio. That fake registers an
 * object's metadata (size 0) as soon as a resumable session opens, unlike GCS, so here "not visible" means "has no
 * content"; {@link GcsResumableUploadTest} checks visibility against the JSON protocol.
 */
class GcsObjectStoreTest extends ObjectStoreContract {

    private static final int CHUNK = GcsObjectStore.CHUNK_GRANULARITY;

    private static Vertx vertx;

    private Storage storage;
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
    void createStore() {
        storage = LocalStorageHelper.customOptions(false).getService();
        store = new GcsObjectStore(StoreLocation.parse("gs://bucket/weights"), storage, vertx, 2, CHUNK);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Override
    protected ObjectStore store() {
        return store;
    }

    @Override
    protected Optional<byte[]> stored(String key) {
        return hasContent("weights/" + key) ? Optional.of(read("weights/" + key)) : Optional.empty();
    }

    @Override
    protected List<String> storedKeys() {
        List<String> names = new ArrayList<>();
        storage.list("bucket").iterateAll().forEach(blob -> names.add(blob.getName()));
        return names;
    }

    private byte[] read(String objectName) {
        return storage.readAllBytes(BlobId.of("bucket", objectName));
    }

    private boolean hasContent(String objectName) {
        try {
            storage.readAllBytes(BlobId.of("bucket", objectName));
            return true;
        } catch (com.google.cloud.storage.StorageException e) {
            assertThat(e.getCode()).isEqualTo(404);
            return false;
        }
    }

    @Test
    void readStreamsTheObjectBackInChunks() {
        // Given: an object of two and a half read chunks
        byte[] content = new byte[GcsObjectStore.READ_CHUNK * 5 / 2];
        new java.util.Random(7).nextBytes(content);
        await(store.put("r/obj.bin", ByteBuffer.wrap(content), Map.of()));

        // When
        java.util.List<ByteBuffer> chunks = store.read("r/obj.bin").collect().asList()
                .await().atMost(java.time.Duration.ofSeconds(30));

        // Then
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        chunks.forEach(c -> out.write(c.array(), c.arrayOffset() + c.position(), c.remaining()));
        assertThat(out.size()).isEqualTo(content.length);
        assertThat(chunks).hasSize(3);
        assertThat(java.util.Arrays.equals(out.toByteArray(), content)).isTrue();
    }

    @Test
    void writesPartsUploadedConcurrentlyAndOutOfOrderAsOneStream() {
        // Given: parts that are not multiples of 256 KiB, so chunks straddle part boundaries
        byte[] content = bytes(3 * CHUNK + 12_345, 1);
        List<Part> parts = parts(content, 100_000);
        Collections.shuffle(parts, new Random(3));
        MultipartUpload upload = await(store.beginUpload("models--a--b/blobs/x", content.length, SHA));

        // When
        List<PartReceipt> receipts = Uni.join().all(parts.stream().map(upload::uploadPart).toList())
                .andFailFast().await().atMost(TIMEOUT);
        await(upload.complete(receipts));

        // Then
        assertThat(read("weights/models--a--b/blobs/x")).isEqualTo(content);
        assertThat(await(store.stat("models--a--b/blobs/x")))
                .contains(new StoredObject("models--a--b/blobs/x", content.length, SHA));
    }

    @Test
    void partsWaitingForTheirPredecessorsHoldNoWorkerThread() {
        // Given: one worker thread, parts subscribed last-first
        GcsObjectStore oneThread = new GcsObjectStore(StoreLocation.parse("gs://bucket/"), storage, vertx, 1, CHUNK);
        byte[] content = bytes(5 * 1000, 2);
        List<Part> parts = new ArrayList<>(parts(content, 1000));
        Collections.reverse(parts);
        MultipartUpload upload = await(oneThread.beginUpload("one", content.length, Map.of()));

        // When
        List<PartReceipt> receipts = Uni.join().all(parts.stream().map(upload::uploadPart).toList())
                .andFailFast().await().atMost(TIMEOUT);
        await(upload.complete(receipts));

        // Then
        assertThat(read("one")).isEqualTo(content);
        oneThread.close();
    }

    @Test
    void showsNothingUntilCompleteEvenWhenAllBytesWereSent() {
        // Given: exactly two chunks, so every byte leaves the buffer before complete
        byte[] content = bytes(2 * CHUNK, 3);
        MultipartUpload upload = await(store.beginUpload("exact", content.length, SHA));
        List<PartReceipt> receipts = new ArrayList<>();
        for (Part part : parts(content, CHUNK)) {
            receipts.add(await(upload.uploadPart(part)));
        }

        // When
        boolean before = hasContent("weights/exact");
        await(upload.complete(receipts));

        // Then
        assertThat(before).isFalse();
        assertThat(read("weights/exact")).isEqualTo(content);
    }

    @Test
    void abortAfterSomePartsLeavesNoObjectAndFailsLaterParts() {
        // Given
        byte[] content = bytes(3 * CHUNK, 4);
        List<Part> parts = parts(content, CHUNK);
        MultipartUpload upload = await(store.beginUpload("aborted", content.length, SHA));
        await(upload.uploadPart(parts.get(0)));
        await(upload.uploadPart(parts.get(1)));

        // When
        await(upload.abort());
        await(upload.abort());

        // Then
        assertThat(hasContent("weights/aborted")).isFalse();
        Throwable late = catchThrowable(() -> await(upload.uploadPart(parts.get(2))));
        assertThat(late).isInstanceOf(StoreException.class).hasMessageContaining("aborted");
        Throwable completeAfterAbort = catchThrowable(() -> await(upload.complete(List.of())));
        assertThat(completeAfterAbort).isInstanceOf(StoreException.class);
        assertThat(hasContent("weights/aborted")).isFalse();
    }

    @Test
    void abortFailsPartsStillWaitingForTheirPredecessors() {
        // Given
        byte[] content = bytes(3000, 5);
        List<Part> parts = parts(content, 1000);
        MultipartUpload upload = await(store.beginUpload("waiting", content.length, SHA));
        var third = upload.uploadPart(parts.get(2)).subscribeAsCompletionStage();

        // When
        await(upload.abort());

        // Then
        Throwable failure = catchThrowable(() -> third.toCompletableFuture().get());
        assertThat(failure).hasCauseInstanceOf(StoreException.class);
        assertThat(hasContent("weights/waiting")).isFalse();
    }

    @Test
    void refusesToCompleteWhenBytesAreMissing() {
        // Given
        byte[] content = bytes(3000, 6);
        List<Part> parts = parts(content, 1000);
        MultipartUpload upload = await(store.beginUpload("short", content.length, SHA));
        PartReceipt first = await(upload.uploadPart(parts.get(0)));

        // When
        Throwable failure = catchThrowable(() -> await(upload.complete(List.of(first))));

        // Then
        assertThat(failure).isInstanceOf(StoreException.class).hasMessageContaining("short");
        assertThat(hasContent("weights/short")).isFalse();
        await(upload.abort());
    }


    @Test
    void storesZeroByteObjectsByPutAndByUpload() {
        // When
        await(store.put("z/put", ByteBuffer.allocate(0), SHA));
        MultipartUpload upload = await(store.beginUpload("z/upload", 0, SHA));
        await(upload.complete(List.of()));

        // Then
        assertThat(await(store.stat("z/put"))).contains(new StoredObject("z/put", 0, SHA));
        assertThat(await(store.stat("z/upload"))).contains(new StoredObject("z/upload", 0, SHA));
    }



    @Test
    void copyIsServerSideAndKeepsTheMetadata() {
        // Given
        byte[] content = bytes(5000, 8);
        await(store.put("snap/model.bin", ByteBuffer.wrap(content), SHA));

        // When
        await(store.copy("snap/model.bin", "blobs/ab12"));

        // Then
        assertThat(read("weights/blobs/ab12")).isEqualTo(content);
        assertThat(await(store.stat("blobs/ab12"))).contains(new StoredObject("blobs/ab12", 5000, SHA));
    }


    @Test
    void deleteRemovesAnObjectAndSucceedsForAMissingOne() {
        // Given
        await(store.put("d/x", ByteBuffer.wrap(bytes(10, 9)), SHA));

        // When
        await(store.delete("d/x"));
        await(store.delete("d/x"));

        // Then
        assertThat(await(store.stat("d/x"))).isEmpty();
    }

    @Test
    void probeWritesAndRemovesAProbeObject() {
        // When
        await(store.probe());

        // Then
        assertThat(storage.list("bucket").iterateAll()).isEmpty();
    }

    @Test
    void handlesUnicodeAndSpacesInKeys() {
        // Given
        String key = "models--org--mödel/snapshots/abc/dir with space/日本語 #1?.txt";
        byte[] content = "héllo".getBytes(StandardCharsets.UTF_8);

        // When
        await(store.put(key, ByteBuffer.wrap(content), SHA));

        // Then
        assertThat(read("weights/" + key)).isEqualTo(content);
        assertThat(await(store.stat(key))).contains(new StoredObject(key, content.length, SHA));
        assertThat(store.url(key)).isEqualTo("gs://bucket/weights/" + key);
    }

    @Test
    void describesItselfAsAnOrderedGcsStore() {
        // Then
        assertThat(store.kind()).isEqualTo("gcs");
        assertThat(store.orderedParts()).isTrue();
        assertThat(store.url("models--a--b/refs/main")).isEqualTo("gs://bucket/weights/models--a--b/refs/main");
    }


    @Test
    void refusesAChunkSizeThatIsNotAMultipleOf256KiB() {
        // When
        Throwable failure = catchThrowable(() -> new GcsObjectStore(StoreLocation.parse("gs://bucket"), storage,
                vertx, 1, CHUNK + 1));

        // Then
        assertThat(failure).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("256 KiB");
    }
}
