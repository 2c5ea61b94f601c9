package dev.hubmirror.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.memory.BufferPool;
import dev.hubmirror.testing.DistributionRegistry;
import dev.hubmirror.testing.OciLayout;
import dev.hubmirror.testing.RegistryFront;
import dev.hubmirror.testing.Skopeo;
import dev.hubmirror.testing.TestRegistries;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.NetServer;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Faults and hostile input in the real path between real registries (distribution 2.8 behind fronts that script the
 * faults): a download cut mid-stream, 429s from the token service and the registry, PATCHes that fail, a blob whose
 * bytes do not match its digest, a manifest naming a blob the source does not have, a huge manifest, redirects to
 * blob storage and to an internal address. Each either recovers byte for byte or fails with a clear reason, leaves
 * nothing tagged and holds no memory afterwards.
 */
class RegistryFaultsTest {

    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final long BUDGET = 16L << 20;
    private static final String BLOB_PATH = "/v2/faults/app/blobs/sha256:.*";

    private static TestRegistries registries;
    private static Vertx vertx;
    private static BufferPool pool;
    /** faults/app:v1: a 9 MiB layer (3 chunks of 4 MiB), a small layer, a config. */
    private static OciLayout.Blob big;
    private static OciLayout.Blob small;
    private static OciLayout.Blob image;
    private static OciLayout.Blob corruptLayer;
    private static OciLayout.Blob missingLayer;
    private static OciLayout seeded;
    private static final AtomicInteger REPOS = new AtomicInteger();

    private RegistryClient client;
    private RegistryMirror mirror;

    @BeforeAll
    static void seed() throws IOException {
        registries = TestRegistries.get();
        vertx = Vertx.vertx();
        pool = new BufferPool(BUDGET);
        seeded = OciLayout.create();
        big = seeded.randomLayer(9L << 20, 21);
        small = seeded.tarLayer(Map.of("etc/app.conf", "threads=4\n".getBytes(StandardCharsets.UTF_8)));
        image = seeded.image("linux", "amd64", List.of(big, small));
        seeded.tag(image, "app");
        corruptLayer = seeded.randomLayer(6L << 20, 22);
        seeded.tag(seeded.image("linux", "amd64", List.of(corruptLayer)), "corrupt");
        missingLayer = seeded.randomLayer(2L << 20, 23);
        seeded.tag(seeded.image("linux", "amd64", List.of(small, missingLayer)), "missing");
        String src = registries.source.host();
        Skopeo.push(seeded, "app", src + "/faults/app:v1", TestRegistries.creds());
        Skopeo.push(seeded, "corrupt", src + "/faults/corrupt:v1", TestRegistries.creds());
        Skopeo.push(seeded, "missing", src + "/faults/missing:v1", TestRegistries.creds());
        // the source now serves other bytes for this blob than its digest says (one byte flipped on disk)
        try (RandomAccessFile f = new RandomAccessFile(registries.sourceRegistry.blobData(corruptLayer.digest())
                .toFile(), "rw")) {
            f.seek(5_000_000);
            int b = f.read();
            f.seek(5_000_000);
            f.write(b ^ 0xff);
        }
        // and no longer has this one in the repository (its layer link removed, as a broken garbage collection would)
        Path link = registries.sourceRegistry.layerLink("faults/missing", missingLayer.digest());
        try (var files = Files.walk(link)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @AfterAll
    static void stop() {
        vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    @BeforeEach
    void fresh() {
        registries.reset();
        client(false);
    }

    private void client(boolean allowPrivateRedirects) {
        if (client != null) {
            client.close();
        }
        // a fresh client per test: no cached token, no mount hint
        client = new RegistryClient(vertx, registries.settings(4L << 20, 1L << 20, allowPrivateRedirects),
                registries.credentials(), registries.basicTarget.host(), RegistryObserver.NONE);
        mirror = new RegistryMirror(client, pool, RegistryObserver.NONE);
    }

    @AfterEach
    void close() {
        client.close();
        client = null;
    }

    private static ImageReference source(String name) {
        return ImageReference.parse(registries.source.host() + "/faults/" + name + ":v1");
    }

    /** A target repository no other test uses. */
    private static ImageReference target() {
        return ImageReference.parse(registries.basicTarget.host() + "/faults/t" + REPOS.incrementAndGet() + ":v1");
    }

    private ImageCopyResult copy(String name, ImageReference to) {
        return mirror.copy(source(name), to, List.of(), false, CopyProgress.NONE).await().atMost(WAIT);
    }

    private MirrorException failure(String name, ImageReference to) {
        MirrorException e = catchThrowableOfType(MirrorException.class, () -> copy(name, to));
        assertThat(e).as("the copy of " + name + " should fail").isNotNull();
        return e;
    }

    private void assertNothingTagged(ImageReference to) {
        assertThat(client.manifestIfPresent(to.registry(), to.repository(), "v1").await().atMost(WAIT)).isEmpty();
        assertThat(pool.inUse()).isZero();
        assertThat(pool.liveBuffers()).isZero();
        assertThat(pool.peak()).isLessThanOrEqualTo(BUDGET);
    }

    private static String raw(ImageReference ref) {
        return new String(Skopeo.inspectRaw(ref.toString(), TestRegistries.creds()), StandardCharsets.UTF_8);
    }

    @Test
    void resumesABlobDownloadCutMidStreamFromTheFirstMissingByte() {
        // Given: the front cuts the first download of the 9 MiB layer after 5 MiB
        registries.source.on("GET", "/v2/faults/app/blobs/" + big.digest(), 1, new RegistryFront.CutAfter(5L << 20));
        ImageReference to = target();

        // When
        ImageCopyResult result = copy("app", to);

        // Then: a second GET asked for the rest (Range), and the target holds the very bytes
        List<RegistryFront.Seen> gets = registries.source.seen("GET", "/v2/faults/app/blobs/" + big.digest());
        assertThat(gets).hasSize(2);
        assertThat(gets.get(0).range()).isNull();
        assertThat(gets.get(1).range()).matches("bytes=\\d+-").isNotEqualTo("bytes=0-");
        assertThat(result.blobsCopied()).isEqualTo(3);
        assertThat(raw(to)).isEqualTo(raw(source("app")));
        assertThat(mirror.verify(to, Optional.of(Digest.parse(image.digest()))).await().atMost(WAIT).status())
                .isEqualTo(ImageVerification.Status.COMPLETE);
        assertThat(pool.inUse()).isZero();
    }

    @Test
    void aDownloadCutEveryTimeFailsWithAConnectionReasonAndTagsNothing() {
        // Given: every download of the large layer is cut before its first byte (a cut after some progress would
        // restart the count of failures: a download that keeps moving is resumed as long as it moves)
        registries.source.on("GET", "/v2/faults/app/blobs/" + big.digest(), 100, new RegistryFront.CutAfter(0));
        ImageReference to = target();

        // When
        MirrorException e = failure("app", to);

        // Then: the per-request attempts ran out (4), the reason says what to check
        assertThat(e.reason()).isEqualTo(Reason.REGISTRY_CONNECTION);
        assertThat(e.getMessage()).contains("blob " + big.digest()).contains("gave up after 4 attempts");
        assertThat(registries.source.seen("GET", "/v2/faults/app/blobs/" + big.digest())).hasSize(4);
        assertNothingTagged(to);
        assertThat(registries.basicTarget.seen("PUT", "/v2/faults/t\\d+/blobs/uploads/.*"))
                .noneMatch(s -> s.query().contains(big.digest().substring(7)));
    }

    @Test
    void retriesTheTokenServiceAfterIts429AndRetryAfter() {
        // Given: the source's token service answers 429 (Retry-After: 1) twice
        registries.sourceTokens.failNext(2, 429, "1");
        int before = registries.sourceTokens.requests();
        ImageReference to = target();

        // When
        ImageCopyResult result = copy("app", to);

        // Then
        assertThat(registries.sourceTokens.requests() - before).isGreaterThanOrEqualTo(3);
        assertThat(result.blobsCopied()).isEqualTo(3);
        assertThat(raw(to)).isEqualTo(raw(source("app")));
    }

    @Test
    void aTokenServiceThatKeepsAnswering429FailsRateLimitedAndTagsNothing() {
        // Given
        registries.sourceTokens.failNext(1000, 429, "0");
        ImageReference to = target();

        // When
        MirrorException e = failure("app", to);

        // Then
        assertThat(e.reason()).isEqualTo(Reason.RATE_LIMITED);
        assertThat(e.reason().retriable()).isTrue();
        assertThat(e.getMessage()).contains("token").contains("429").contains("gave up after 4 attempts");
        assertNothingTagged(to);
    }

    @Test
    void aRegistryAnswering429IsAskedAgainAfterItsRetryAfter() {
        // Given: the manifest and the small layer are answered 429 once each
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Retry-After", "1");
        registries.source.on("GET", "/v2/faults/app/manifests/v1", 1, new RegistryFront.Respond(429, headers,
                Buffer.buffer("{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"slow down\"}]}")));
        registries.source.on("GET", "/v2/faults/app/blobs/" + small.digest(), 1, new RegistryFront.Respond(429,
                headers, Buffer.buffer()));
        ImageReference to = target();

        // When
        ImageCopyResult result = copy("app", to);

        // Then: asked again after the 429 (then challenged for a token, then with it)
        assertThat(registries.source.seen("GET", "/v2/faults/app/manifests/v1")).hasSize(3);
        assertThat(result.blobsCopied()).isEqualTo(3);
        assertThat(raw(to)).isEqualTo(raw(source("app")));
    }

    @Test
    void aPatchAnswered500IsSentAgainFromTheOffsetTheTargetReports() {
        // Given: the second PATCH of the upload is answered 500 by the front (the registry never saw it)
        ImageReference to = target();
        String uploads = "/v2/" + to.repository() + "/blobs/uploads/.+";
        registries.basicTarget.onAfter("PATCH", uploads, 1, 1, new RegistryFront.Respond(500, null,
                Buffer.buffer("{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"backend hiccup\"}]}")));

        // When
        ImageCopyResult result = copy("app", to);

        // Then: the upload's status was asked for, the chunk went again to the same upload: no new upload was opened
        assertThat(registries.basicTarget.seen("GET", uploads)).hasSize(1);
        assertThat(registries.basicTarget.seen("PATCH", uploads)).hasSize(4);
        assertThat(registries.basicTarget.seen("POST", "/v2/" + to.repository() + "/blobs/uploads/")).hasSize(3);
        assertThat(result.blobsCopied()).isEqualTo(3);
        assertThat(raw(to)).isEqualTo(raw(source("app")));
    }

    @Test
    void aPatchWhoseAnswerIsLostStartsTheBlobAgainWithANewUpload() {
        // Given: the registry takes the second PATCH, but its answer never comes back (the connection is closed);
        // distribution then refuses the old upload state, so the upload is lost
        ImageReference to = target();
        String uploads = "/v2/" + to.repository() + "/blobs/uploads/.+";
        registries.basicTarget.onAfter("PATCH", uploads, 1, 1, new RegistryFront.DropAnswer());

        // When
        ImageCopyResult result = copy("app", to);

        // Then: one more upload was opened for the large blob, and the target holds the right bytes
        assertThat(registries.basicTarget.seen("POST", "/v2/" + to.repository() + "/blobs/uploads/")).hasSize(4);
        assertThat(result.blobsCopied()).isEqualTo(3);
        assertThat(raw(to)).isEqualTo(raw(source("app")));
        assertThat(mirror.verify(to, Optional.empty()).await().atMost(WAIT).status())
                .isEqualTo(ImageVerification.Status.COMPLETE);
    }

    @Test
    void honoursTheTargetsMinimumChunkLength() {
        // Given: the target asks for chunks of at least 6 MiB (the client's own are 4 MiB)
        ImageReference to = target();
        registries.basicTarget.on("POST", "/v2/" + to.repository() + "/blobs/uploads/", 10,
                new RegistryFront.AddHeaders(MultiMap.caseInsensitiveMultiMap().add("OCI-Chunk-Min-Length",
                        String.valueOf(6L << 20))));

        // When
        ImageCopyResult result = copy("app", to);

        // Then: the 9 MiB layer went in two PATCHes (6 MiB, then the 3 MiB rest)
        assertThat(registries.basicTarget.seen("PATCH", "/v2/" + to.repository() + "/blobs/uploads/.+")).hasSize(2);
        assertThat(result.blobsCopied()).isEqualTo(3);
        assertThat(raw(to)).isEqualTo(raw(source("app")));
    }

    @Test
    void aBlobWhoseBytesDoNotMatchItsDigestIsNeverClosedAndNothingIsTagged() {
        // Given: the source serves a 6 MiB layer with one byte changed on its disk
        ImageReference to = target();

        // When
        MirrorException e = failure("corrupt", to);

        // Then: sha256 failed before the closing PUT; the upload was cancelled, the blob is not in the target
        assertThat(e.reason()).isEqualTo(Reason.CHECKSUM_MISMATCH);
        assertThat(e.getMessage()).contains(corruptLayer.digest()).contains("nothing was tagged");
        assertThat(registries.basicTarget.seen("PUT", "/v2/" + to.repository() + "/blobs/uploads/.*"))
                .noneMatch(s -> s.query().contains(corruptLayer.digest().substring(7)));
        assertThat(registries.basicTarget.seen("DELETE", "/v2/" + to.repository() + "/blobs/uploads/.*")).hasSize(1);
        assertThat(client.blobSize(to.registry(), to.repository(), Digest.parse(corruptLayer.digest())).await()
                .atMost(WAIT)).isEmpty();
        assertNothingTagged(to);
    }

    @Test
    void aSmallBlobCorruptedInTransitIsNeverWritten() {
        // Given: the front flips a byte of the small layer on its way (the single-PUT path)
        registries.source.on("GET", "/v2/faults/app/blobs/" + small.digest(), 1, new RegistryFront.Corrupt(3));
        ImageReference to = target();

        // When
        MirrorException e = failure("app", to);

        // Then
        assertThat(e.reason()).isEqualTo(Reason.CHECKSUM_MISMATCH);
        assertThat(client.blobSize(to.registry(), to.repository(), Digest.parse(small.digest())).await()
                .atMost(WAIT)).isEmpty();
        assertNothingTagged(to);
    }

    @Test
    void aManifestNamingABlobTheSourceDoesNotHaveFailsBlobNotFound() {
        // Given: faults/missing lost the link to one of its layers
        ImageReference to = target();

        // When
        MirrorException e = failure("missing", to);

        // Then
        assertThat(e.reason()).isEqualTo(Reason.BLOB_NOT_FOUND);
        assertThat(e.getMessage()).contains(missingLayer.digest()).contains("BLOB_UNKNOWN");
        assertNothingTagged(to);
    }

    @Test
    void aHugeManifestIsRefusedBeforeItIsRead() {
        // Given: the front serves 5 MiB as the manifest (the bound is 4 MiB)
        byte[] huge = new byte[5 << 20];
        java.util.Arrays.fill(huge, (byte) ' ');
        registries.source.on("GET", "/v2/faults/app/manifests/v1", 1, new RegistryFront.Respond(200,
                MultiMap.caseInsensitiveMultiMap().add("Content-Type", MediaTypes.OCI_MANIFEST), Buffer.buffer(huge)));
        ImageReference to = target();

        // When
        MirrorException e = failure("app", to);

        // Then
        assertThat(e.reason()).isEqualTo(Reason.MANIFEST_INVALID);
        assertThat(e.getMessage()).contains("larger than mirror.registry.max-manifest-size");
        assertNothingTagged(to);
    }

    @Test
    void aRedirectToAnInternalAddressIsRefusedBeforeAnythingIsSentThere() throws Exception {
        // Given: a listener on another loopback address, and the source redirecting a blob to it
        AtomicInteger connections = new AtomicInteger();
        AtomicLong bytes = new AtomicLong();
        NetServer internal = vertx.createNetServer().connectHandler(socket -> {
            connections.incrementAndGet();
            socket.handler(b -> bytes.addAndGet(b.length()));
        });
        internal.listen(0, "127.0.0.2").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        registries.source.on("GET", "/v2/faults/app/blobs/" + small.digest(), 1, new RegistryFront.Respond(307,
                MultiMap.caseInsensitiveMultiMap().add("Location", "http://127.0.0.2:" + internal.actualPort()
                        + "/latest/meta-data/?X-Amz-Signature=secret"), Buffer.buffer()));
        ImageReference to = target();

        // When
        MirrorException e = failure("app", to);

        // Then: refused on the address the connection reached, before a byte of the request; no signature quoted
        assertThat(e.reason()).isEqualTo(Reason.REDIRECT_REFUSED);
        assertThat(e.getMessage()).contains("127.0.0.2").contains("internal").doesNotContain("secret");
        assertThat(bytes.get()).isZero();
        assertNothingTagged(to);
        internal.close();
    }

    @Test
    void followsARedirectToBlobStorageWithoutSendingItTheCredentials() throws Exception {
        // Given: blob storage on another origin (loopback: private redirects allowed for this client), and the source
        // redirecting both layers there, as ghcr.io does
        client(true);
        List<String> authorizations = new CopyOnWriteArrayList<>();
        HttpServer storage = vertx.createHttpServer().requestHandler(request -> {
            authorizations.add(String.valueOf(request.getHeader("Authorization")));
            String digest = request.path().substring("/storage/".length());
            request.response().sendFile(registries.sourceRegistry.blobData(digest).toString());
        });
        storage.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        for (OciLayout.Blob layer : List.of(big, small)) {
            registries.source.on("GET", "/v2/faults/app/blobs/" + layer.digest(), 1, new RegistryFront.Respond(307,
                    MultiMap.caseInsensitiveMultiMap().add("Location", "http://127.0.0.1:" + storage.actualPort()
                            + "/storage/" + layer.digest() + "?sig=abc"), Buffer.buffer()));
        }
        ImageReference to = target();

        // When
        ImageCopyResult result = copy("app", to);

        // Then: storage served both, and never saw an Authorization header (the registry's did)
        assertThat(authorizations).hasSize(2).containsOnly("null");
        assertThat(registries.source.seen("GET", "/v2/faults/app/blobs/.*")).allMatch(RegistryFront.Seen::authorization);
        assertThat(result.blobsCopied()).isEqualTo(3);
        assertThat(raw(to)).isEqualTo(raw(source("app")));
        storage.close();
    }

    @Test
    void aSourceOnThePrivateNetworkThatIsNotListedIsRefused() {
        // Given: a registry on loopback that is not in mirror.registry.private-hosts
        DistributionRegistry unlisted = DistributionRegistry.anonymous();
        ImageReference from = ImageReference.parse(unlisted.host() + "/any/image:v1");
        RegistrySettings s = registries.settings(4L << 20, 1L << 20, false);
        RegistrySettings plain = new RegistrySettings(s.http(), s.retries(), s.blobAttempts(), s.chunkSize(),
                s.singlePutThreshold(), s.blobsInFlight(), s.maxManifestBytes(), s.maxRedirects(), false,
                java.util.Set.of(unlisted.host()), java.util.Set.of(), s.maxHelmIndexBytes(), s.maxChartBytes());
        RegistryClient strict = new RegistryClient(vertx, plain, RegistryCredentials.NONE,
                registries.basicTarget.host(), RegistryObserver.NONE);

        // When
        MirrorException e = catchThrowableOfType(MirrorException.class, () -> new RegistryMirror(strict, pool,
                RegistryObserver.NONE).copy(from, target(), List.of(), false, CopyProgress.NONE).await().atMost(WAIT));

        // Then
        assertThat(e.reason()).isEqualTo(Reason.REDIRECT_REFUSED);
        assertThat(e.getMessage()).contains("mirror.registry.private-hosts");
        strict.close();
        unlisted.close();
    }
}
