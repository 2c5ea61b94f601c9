package dev.hubmirror.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.memory.BufferPool;
import dev.hubmirror.testing.OciLayout;
import dev.hubmirror.testing.Skopeo;
import dev.hubmirror.testing.TestRegistries;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Charts of a classic Helm repository (an HTTP server with {@code index.yaml} and {@code .tgz} archives, as the KEDA,
 * kube-prometheus-stack and DCGM repositories are) pushed to the target registry as OCI charts with Helm's media types.
 */
class HelmClassicChartTest {

    private static final Duration WAIT = Duration.ofMinutes(1);

    private static TestRegistries registries;
    private static Vertx vertx;
    private static HttpServer repository;
    private static final Map<String, Buffer> FILES = new ConcurrentHashMap<>();
    private static RegistryClient client;
    private static RegistryMirror mirror;
    private static byte[] keda;
    private static String repo;

    @BeforeAll
    static void start() throws Exception {
        registries = TestRegistries.get();
        vertx = Vertx.vertx();
        repository = vertx.createHttpServer().requestHandler(request -> {
            Buffer file = FILES.get(request.path());
            if (file == null) {
                request.response().setStatusCode(404).end();
            } else {
                request.response().end(file);
            }
        });
        repository.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        String host = "127.0.0.1:" + repository.actualPort();
        repo = "http://" + host + "/charts";
        keda = OciLayout.chartArchive("keda", "2.14.2", "Event-based autoscaler");
        byte[] build = OciLayout.chartArchive("dcgm-exporter", "3.4.2+build.7", "GPU metrics");
        byte[] liar = OciLayout.chartArchive("liar", "1.0.0", "an archive that is not what the index says");
        FILES.put("/charts/keda-2.14.2.tgz", Buffer.buffer(keda));
        FILES.put("/charts/archives/dcgm-exporter-3.4.2+build.7.tgz", Buffer.buffer(build));
        FILES.put("/charts/liar-1.0.0.tgz", Buffer.buffer(liar));
        FILES.put("/charts/index.yaml", Buffer.buffer(String.join("\n",
                "apiVersion: v1",
                "entries:",
                "  keda:",
                "  - apiVersion: v2",
                "    name: keda",
                "    version: 2.15.0",
                "    urls: [keda-2.15.0.tgz]",
                "  - apiVersion: v2",
                "    name: keda",
                "    version: 2.14.2",
                "    description: Event-based autoscaler",
                "    created: \"2024-06-01T10:00:00Z\"",
                "    digest: " + OciLayout.sha256(keda).substring(7),
                "    urls:",
                "    - keda-2.14.2.tgz",
                "  dcgm-exporter:",
                "  - name: dcgm-exporter",
                "    version: 3.4.2+build.7",
                "    digest: " + OciLayout.sha256(build).substring(7),
                "    urls: [\"http://" + host + "/charts/archives/dcgm-exporter-3.4.2+build.7.tgz\"]",
                "  liar:",
                "  - name: liar",
                "    version: 1.0.0",
                "    digest: \"" + "0".repeat(64) + "\"",
                "    urls: [liar-1.0.0.tgz]",
                "generated: \"2024-06-01T10:00:00Z\"", "")));
        client = new RegistryClient(vertx, registries.settings(4L << 20, 1L << 20, false, Set.of(host)),
                registries.credentials(), registries.basicTarget.host(), RegistryObserver.NONE);
        mirror = new RegistryMirror(client, new BufferPool(16L << 20), RegistryObserver.NONE);
    }

    @AfterAll
    static void stop() {
        client.close();
        vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private static ImageReference target(String name) {
        return new RepositoryMapping(registries.basicTarget.host(), 0, "sie", "charts").classicChart(name, "x");
    }

    @Test
    void pushesAClassicChartAsAnOciChartThatHelmCanPull() {
        // Given
        ImageReference to = target("keda");

        // When
        ImageCopyResult result = mirror.copyClassicChart(URI.create(repo), "keda", "2.14.2", to, CopyProgress.NONE)
                .await().atMost(WAIT);

        // Then: tagged with the version; Helm's media types; the layer is the archive, byte for byte; the config is
        // the Chart.yaml as JSON; the annotations are Helm's
        assertThat(result.target().toString()).isEqualTo(registries.basicTarget.host() + "/sie/charts/keda:2.14.2");
        JsonObject manifest = new JsonObject(new String(Skopeo.inspectRaw(result.target().toString(),
                TestRegistries.creds()), StandardCharsets.UTF_8));
        assertThat(manifest.getString("mediaType")).isEqualTo(MediaTypes.OCI_MANIFEST);
        assertThat(manifest.getJsonObject("config").getString("mediaType")).isEqualTo(MediaTypes.HELM_CONFIG);
        JsonObject layer = manifest.getJsonArray("layers").getJsonObject(0);
        assertThat(layer.getString("mediaType")).isEqualTo(MediaTypes.HELM_CHART);
        assertThat(layer.getString("digest")).isEqualTo(OciLayout.sha256(keda));
        assertThat(manifest.getJsonObject("annotations").getMap()).containsEntry("org.opencontainers.image.title",
                "keda").containsEntry("org.opencontainers.image.version", "2.14.2")
                .containsEntry("org.opencontainers.image.created", "2024-06-01T10:00:00Z")
                .containsEntry("org.opencontainers.image.description", "Event-based autoscaler");
        Path pulled = Skopeo.pull(result.target().toString(), TestRegistries.creds());
        assertThat(pulled.resolve("blobs/sha256/" + OciLayout.sha256(keda).substring(7))).hasBinaryContent(keda);
        JsonObject config = new JsonObject(Buffer.buffer(readQuietly(pulled.resolve("blobs/sha256/"
                + manifest.getJsonObject("config").getString("digest").substring(7)))));
        assertThat(config.fieldNames()).containsExactly("name", "version", "description", "apiVersion", "appVersion",
                "type");
        assertThat(mirror.verify(result.target(), Optional.of(result.targetDigest())).await().atMost(WAIT).status())
                .isEqualTo(ImageVerification.Status.COMPLETE);
    }

    private static byte[] readQuietly(Path p) {
        try {
            return java.nio.file.Files.readAllBytes(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theSameChartMakesTheSameManifestSoASecondRunFindsItInPlace() {
        // Given
        ImageCopyResult first = mirror.copyClassicChart(URI.create(repo), "keda", "2.14.2", target("keda"),
                CopyProgress.NONE).await().atMost(WAIT);

        // When
        ImageCopyResult second = mirror.copyClassicChart(URI.create(repo), "keda", "2.14.2", target("keda"),
                CopyProgress.NONE).await().atMost(WAIT);

        // Then
        assertThat(second.targetDigest()).isEqualTo(first.targetDigest());
        assertThat(second.blobsSkipped()).isEqualTo(2);
        assertThat(second.bytesCopied()).isZero();
    }

    @Test
    void aVersionWithBuildMetadataIsTaggedAsHelmDoesAndAnAbsoluteUrlIsFollowed() {
        // When
        ImageCopyResult result = mirror.copyClassicChart(URI.create(repo + "/"), "dcgm-exporter", "3.4.2+build.7",
                target("dcgm-exporter"), CopyProgress.NONE).await().atMost(WAIT);

        // Then: '+' is not allowed in OCI tags: Helm writes '_'
        assertThat(result.target().tag()).isEqualTo("3.4.2_build.7");
        assertThat(Skopeo.inspectRaw(result.target().toString(), TestRegistries.creds())).isNotEmpty();
    }

    @Test
    void aChartVersionTheIndexDoesNotListFailsChartNotFound() {
        // When
        MirrorException e = catchThrowableOfType(MirrorException.class, () -> mirror.copyClassicChart(
                URI.create(repo), "keda", "9.9.9", target("keda"), CopyProgress.NONE).await().atMost(WAIT));

        // Then
        assertThat(e.reason()).isEqualTo(Reason.CHART_NOT_FOUND);
        assertThat(e.getMessage()).contains("keda").contains("9.9.9");
    }

    @Test
    void anArchiveThatDoesNotMatchTheIndexDigestIsNotPushed() {
        // When
        MirrorException e = catchThrowableOfType(MirrorException.class, () -> mirror.copyClassicChart(
                URI.create(repo), "liar", "1.0.0", target("liar"), CopyProgress.NONE).await().atMost(WAIT));

        // Then
        assertThat(e.reason()).isEqualTo(Reason.CHECKSUM_MISMATCH);
        assertThat(client.manifestIfPresent(registries.basicTarget.host(), "sie/charts/liar", "1.0.0").await()
                .atMost(WAIT)).isEmpty();
    }
}
