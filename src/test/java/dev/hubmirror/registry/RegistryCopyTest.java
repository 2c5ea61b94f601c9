package dev.hubmirror.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hubmirror.memory.BufferPool;
import dev.hubmirror.registry.RegistryObserver.BlobOutcome;
import dev.hubmirror.testing.OciLayout;
import dev.hubmirror.testing.Skopeo;
import dev.hubmirror.testing.TestRegistries;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Images, indexes and an OCI Helm chart copied from a token-protected source registry (distribution 2.8 behind a
 * ghcr-like token service) to a target behind basic authentication, byte for byte as skopeo sees them, within the
 * memory budget; skipped and mounted blobs; a platform filter; verify.
 */
class RegistryCopyTest {

    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final long BUDGET = 16L << 20;

    private static TestRegistries registries;
    private static Vertx vertx;
    private static BufferPool pool;
    private static RegistryClient client;
    private static RegistryObserver observer;
    private RegistryMirror mirror;
    private static final Map<String, AtomicInteger> BLOBS = new ConcurrentHashMap<>();
    private static final AtomicLong UPLOADED = new AtomicLong();

    /** The seeded index: two platforms, each with its own layer, a shared 9 MiB layer and a 0-byte layer. */
    private static String indexDigest;
    private static OciLayout.Blob amd64;
    private static OciLayout.Blob arm64;
    private static OciLayout.Blob chart;
    private static OciLayout.Blob shared;
    private static OciLayout seeded;

    @BeforeAll
    static void start() {
        registries = TestRegistries.get();
        vertx = Vertx.vertx();
        pool = new BufferPool(BUDGET);
        observer = new RegistryObserver() {
            @Override
            public void blob(String registry, BlobOutcome outcome, long size) {
                BLOBS.computeIfAbsent(outcome.name(), k -> new AtomicInteger()).incrementAndGet();
            }

            @Override
            public void uploaded(String registry, long bytes) {
                UPLOADED.addAndGet(bytes);
            }
        };
        client = new RegistryClient(vertx, registries.settings(4L << 20, 1L << 20, false), registries.credentials(),
                registries.basicTarget.host(), observer);

        OciLayout layout = OciLayout.create();
        seeded = layout;
        shared = layout.randomLayer(9L << 20, 1);
        OciLayout.Blob empty = layout.blob("application/vnd.oci.image.layer.v1.tar", new byte[0]);
        amd64 = layout.image("linux", "amd64", List.of(shared, layout.tarLayer(Map.of("bin/app",
                "amd64 binary".getBytes(StandardCharsets.UTF_8))), empty));
        arm64 = layout.image("linux", "arm64", List.of(shared, layout.tarLayer(Map.of("bin/app",
                "arm64 binary".getBytes(StandardCharsets.UTF_8))), empty));
        OciLayout.Blob index = layout.index(List.of(amd64, arm64), List.of("linux/amd64", "linux/arm64/v8"));
        indexDigest = index.digest();
        layout.tag(index, "v0.3.1").tag(amd64, "amd64-only");
        chart = layout.helmChart("sie-cluster", "0.3.1", OciLayout.chartArchive("sie-cluster", "0.3.1", "a chart"));
        layout.tag(chart, "0.3.1");
        String src = registries.source.host();
        Skopeo.push(layout, "v0.3.1", src + "/superlinked/sie-server:v0.3.1", TestRegistries.creds());
        Skopeo.push(layout, "amd64-only", src + "/superlinked/sie-gateway:v0.3.1", TestRegistries.creds());
        Skopeo.push(layout, "0.3.1", src + "/superlinked/charts/sie-cluster:0.3.1", TestRegistries.creds());
        Skopeo.push(layout, "amd64-only", registries.basicTarget.host() + "/seeded/basic-source:v1",
                TestRegistries.creds());
    }

    @AfterAll
    static void stop() {
        client.close();
        vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    @BeforeEach
    void reset() {
        registries.reset();
        BLOBS.clear();
        // a fresh engine: no mount hints from other tests
        mirror = new RegistryMirror(client, pool, observer);
    }

    private static ImageReference source(String repository, String reference) {
        return ImageReference.parse(registries.source.host() + "/" + repository + reference);
    }

    private static ImageReference target(String repository, String reference) {
        return ImageReference.parse(registries.basicTarget.host() + "/" + repository + reference);
    }

    private static String raw(ImageReference ref) {
        return new String(Skopeo.inspectRaw(ref.toString(), TestRegistries.creds()), StandardCharsets.UTF_8);
    }

    @Test
    void copiesAnIndexWithEveryPlatformByteForByteWithinTheBudgetAndVerifiesIt() {
        // Given: a two-platform index in the token-protected source (9 MiB shared layer: streamed in 4 MiB chunks)
        ImageReference from = source("superlinked/sie-server", ":v0.3.1");
        ImageReference to = target("sie/sie-server", ":v0.3.1");
        AtomicLong progressed = new AtomicLong();
        CopyProgress progress = new CopyProgress() {
            @Override
            public void transferred(long bytes) {
                progressed.addAndGet(bytes);
            }
        };

        // When
        ImageCopyResult result = mirror.copy(from, to, List.of(), false, progress).await().atMost(WAIT);

        // Then: skopeo reads the same index bytes from both registries, and pulls from the target (checking every
        // digest) exactly the manifests and blobs that were seeded
        assertThat(result.sourceDigest().value()).isEqualTo(indexDigest);
        assertThat(result.targetDigest()).isEqualTo(result.sourceDigest());
        assertThat(result.filtered()).isFalse();
        assertThat(result.platforms()).extracting(Platform::toString).containsExactly("linux/amd64", "linux/arm64/v8");
        assertThat(raw(to)).isEqualTo(raw(from));
        java.nio.file.Path pulled = Skopeo.pull(to.toString(), TestRegistries.creds());
        for (String digest : List.of(indexDigest, amd64.digest(), arm64.digest(), shared.digest())) {
            assertThat(pulled.resolve("blobs/sha256/" + digest.substring(7))).hasBinaryContent(seeded.read(digest));
        }
        // 3 manifests; 6 distinct blobs: 2 configs, 2 small layers, the shared layer, the 0-byte layer
        assertThat(result.manifests()).isEqualTo(3);
        assertThat(result.blobsCopied()).isEqualTo(6);
        assertThat(result.bytesTotal()).isEqualTo(progressed.get()).isGreaterThan(9L << 20);
        assertThat(pool.peak()).isLessThanOrEqualTo(BUDGET);
        assertThat(pool.inUse()).isZero();
        assertThat(pool.liveBuffers()).isZero();
        ImageVerification verified = mirror.verify(to, Optional.of(result.targetDigest())).await().atMost(WAIT);
        assertThat(verified.status()).isEqualTo(ImageVerification.Status.COMPLETE);
        assertThat(verified.manifestsPresent()).isEqualTo(3);
        assertThat(verified.blobsPresent()).isEqualTo(6);
    }

    @Test
    void aSecondCopyFindsEveryBlobInPlaceAndAnotherRepositoryMountsThem() {
        // Given: the image copied once
        ImageReference from = source("superlinked/sie-server", ":v0.3.1");
        mirror.copy(from, target("again/sie-server", ":v0.3.1"), List.of(), false, CopyProgress.NONE)
                .await().atMost(WAIT);
        registries.reset();

        // When: copied again to the same repository, then to another one
        ImageCopyResult again = mirror.copy(from, target("again/sie-server", ":v0.3.1"), List.of(), false,
                CopyProgress.NONE).await().atMost(WAIT);
        ImageCopyResult elsewhere = mirror.copy(from, target("other/sie-server", ":v0.3.1"), List.of(), false,
                CopyProgress.NONE).await().atMost(WAIT);

        // Then: nothing is downloaded again; the other repository mounts every blob from the first
        assertThat(again.blobsSkipped()).isEqualTo(6);
        assertThat(again.blobsCopied()).isZero();
        assertThat(elsewhere.blobsMounted()).isEqualTo(6);
        assertThat(elsewhere.bytesCopied()).isZero();
        assertThat(registries.source.seen("GET", ".*/blobs/sha256:.*")).isEmpty();
        assertThat(registries.basicTarget.seen("POST", "/v2/other/sie-server/blobs/uploads/"))
                .allMatch(s -> s.query() != null && s.query().contains("mount="));
        assertThat(raw(target("other/sie-server", ":v0.3.1"))).isEqualTo(raw(from));
    }

    @Test
    void aPlatformFilterWritesASmallerIndexAndSaysSo() {
        // Given
        ImageReference from = source("superlinked/sie-server", ":v0.3.1");
        ImageReference to = target("filtered/sie-server", ":v0.3.1");

        // When: only arm64 (which selects linux/arm64/v8)
        ImageCopyResult result = mirror.copy(from, to, List.of(Platform.parse("linux/arm64")), false,
                CopyProgress.NONE).await().atMost(WAIT);

        // Then: the target holds an index of that one entry (another digest), its child byte for byte
        assertThat(result.filtered()).isTrue();
        assertThat(result.targetDigest()).isNotEqualTo(result.sourceDigest());
        assertThat(result.platforms()).extracting(Platform::toString).containsExactly("linux/arm64/v8");
        JsonObject index = new JsonObject(raw(to));
        assertThat(index.getJsonArray("manifests")).hasSize(1);
        assertThat(index.getJsonArray("manifests").getJsonObject(0).getString("digest")).isEqualTo(arm64.digest());
        assertThat(Digest.of(raw(to).getBytes(StandardCharsets.UTF_8))).isEqualTo(result.targetDigest());
        assertThat(result.blobsCopied()).isEqualTo(4);
        assertThat(mirror.verify(to, Optional.of(result.targetDigest())).await().atMost(WAIT).status())
                .isEqualTo(ImageVerification.Status.COMPLETE);
    }

    @Test
    void copiesASinglePlatformImageNamedByDigestAndWritesItByDigest() {
        // Given: the amd64 image, asked for by digest only
        ImageReference from = source("superlinked/sie-gateway", "@" + amd64.digest());
        ImageReference to = target("sie/sie-gateway", "@" + amd64.digest());

        // When
        ImageCopyResult result = mirror.copy(from, to, List.of(), false, CopyProgress.NONE).await().atMost(WAIT);

        // Then
        assertThat(result.targetDigest().value()).isEqualTo(amd64.digest());
        assertThat(result.target().tag()).isNull();
        assertThat(result.platforms()).isEmpty();
        assertThat(raw(to)).isEqualTo(raw(from));
        assertThat(mirror.verify(to, Optional.empty()).await().atMost(WAIT).status())
                .isEqualTo(ImageVerification.Status.COMPLETE);
    }

    @Test
    void copiesAnOciHelmChartWithHelmsMediaTypes() {
        // Given
        ImageReference from = source("superlinked/charts/sie-cluster", ":0.3.1");
        ImageReference to = target("sie/charts/sie-cluster", ":0.3.1");

        // When
        ImageCopyResult result = mirror.copy(from, to, List.of(), true, CopyProgress.NONE).await().atMost(WAIT);

        // Then
        assertThat(result.targetDigest().value()).isEqualTo(chart.digest());
        String manifest = raw(to);
        assertThat(manifest).isEqualTo(raw(from));
        JsonObject json = new JsonObject(manifest);
        assertThat(json.getJsonObject("config").getString("mediaType")).isEqualTo(MediaTypes.HELM_CONFIG);
        assertThat(json.getJsonArray("layers").getJsonObject(0).getString("mediaType"))
                .isEqualTo(MediaTypes.HELM_CHART);
    }

    @Test
    void readsFromASourceBehindBasicAuthenticationWithItsCredentials() {
        // Given: an image in a registry that challenges with Basic (htpasswd), a source on the private network
        RegistryClient tokenClient = new RegistryClient(vertx, registries.settings(4L << 20, 1L << 20, false,
                java.util.Set.of(registries.basicTarget.host())),
                registries.credentials(), registries.tokenTarget.host(), RegistryObserver.NONE);
        ImageReference from = target("seeded/basic-source", ":v1");
        ImageReference to = ImageReference.parse(registries.tokenTarget.host() + "/from-basic/app:v1");

        // When
        ImageCopyResult result = new RegistryMirror(tokenClient, pool, RegistryObserver.NONE)
                .copy(from, to, List.of(), false, CopyProgress.NONE).await().atMost(WAIT);

        // Then: challenged once, then sent the user and password up front
        assertThat(result.targetDigest().value()).isEqualTo(amd64.digest());
        assertThat(raw(to)).isEqualTo(raw(from));
        List<dev.hubmirror.testing.RegistryFront.Seen> reads = registries.basicTarget.seen(s ->
                s.path().startsWith("/v2/seeded/basic-source/"));
        assertThat(reads.get(0).authorization()).isFalse();
        assertThat(reads.subList(1, reads.size())).allMatch(dev.hubmirror.testing.RegistryFront.Seen::authorization);
        tokenClient.close();
    }

    @Test
    void copiesToATargetBehindItsOwnTokenServiceWithThePushScope() {
        // Given: a target that challenges with Bearer and wants credentials even to pull
        RegistryClient tokenClient = new RegistryClient(vertx, registries.settings(4L << 20, 1L << 20, false),
                registries.credentials(), registries.tokenTarget.host(), RegistryObserver.NONE);
        RegistryMirror tokenMirror = new RegistryMirror(tokenClient, pool, RegistryObserver.NONE);
        ImageReference from = source("superlinked/sie-server", ":v0.3.1");
        ImageReference to = ImageReference.parse(registries.tokenTarget.host() + "/sie/sie-server:v0.3.1");

        // When
        ImageCopyResult result = tokenMirror.copy(from, to, List.of(), false, CopyProgress.NONE).await()
                .atMost(WAIT);

        // Then: the token service was asked for push on that repository, with the credentials; the source anonymously
        assertThat(raw(to)).isEqualTo(raw(from));
        assertThat(result.blobsCopied()).isEqualTo(6);
        assertThat(registries.targetTokens.scopes()).contains("repository:sie/sie-server:pull,push");
        assertThat(registries.targetTokens.withCredentials()).containsOnly(true);
        assertThat(registries.sourceTokens.scopes()).contains("repository:superlinked/sie-server:pull");
        tokenClient.close();
    }
}
