package dev.hubmirror.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hubmirror.memory.BufferPool;
import dev.hubmirror.testing.OciLayout;
import dev.hubmirror.testing.Skopeo;
import dev.hubmirror.testing.TestRegistries;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A layer of a few hundred MiB streamed through a memory budget a tenth of its size. */
class LargeLayerRegistryTest {

    private static final long LAYER = 300L << 20;
    private static final long BUDGET = 32L << 20;

    private static TestRegistries registries;
    private static Vertx vertx;
    private static OciLayout.Blob layer;
    private static OciLayout.Blob image;

    @BeforeAll
    static void seed() {
        registries = TestRegistries.get();
        vertx = Vertx.vertx();
        OciLayout layout = OciLayout.create();
        layer = layout.randomLayer(LAYER, 300);
        image = layout.image("linux", "amd64", List.of(layer));
        layout.tag(image, "big");
        Skopeo.push(layout, "big", registries.source.host() + "/large/model-server:v1", TestRegistries.creds());
    }

    @AfterAll
    static void stop() {
        vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    @Test
    void streamsA300MibLayerThroughA32MibBudgetByteForByte() {
        // Given: 8 MiB chunks; at most two per blob are held
        BufferPool pool = new BufferPool(BUDGET);
        AtomicLong uploaded = new AtomicLong();
        RegistryObserver observer = new RegistryObserver() {
            @Override
            public void uploaded(String registry, long bytes) {
                uploaded.addAndGet(bytes);
            }
        };
        RegistryClient client = new RegistryClient(vertx, registries.settings(8L << 20, 1L << 20, false),
                registries.credentials(), registries.basicTarget.host(), observer);
        RegistryMirror mirror = new RegistryMirror(client, pool, observer);
        ImageReference from = ImageReference.parse(registries.source.host() + "/large/model-server:v1");
        ImageReference to = ImageReference.parse(registries.basicTarget.host() + "/large/model-server:v1");

        // When
        ImageCopyResult result = mirror.copy(from, to, List.of(), false, CopyProgress.NONE).await()
                .atMost(Duration.ofMinutes(5));

        // Then: the budget held, every byte went once, and the target serves the same manifest and blob digests
        assertThat(pool.peak()).isLessThanOrEqualTo(2 * (8L << 20) + (1L << 20));
        assertThat(pool.inUse()).isZero();
        assertThat(result.bytesTotal()).isGreaterThan(LAYER);
        assertThat(result.bytesCopied()).isEqualTo(result.bytesTotal());
        assertThat(uploaded.get()).isEqualTo(result.bytesTotal());
        assertThat(new String(Skopeo.inspectRaw(to.toString(), TestRegistries.creds()), StandardCharsets.UTF_8))
                .isEqualTo(new String(Skopeo.inspectRaw(from.toString(), TestRegistries.creds()),
                        StandardCharsets.UTF_8));
        assertThat(client.blobSize(to.registry(), to.repository(), Digest.parse(layer.digest())).await()
                .atMost(Duration.ofSeconds(30))).contains(LAYER);
        assertThat(mirror.verify(to, Optional.of(Digest.parse(image.digest()))).await()
                .atMost(Duration.ofSeconds(30)).status()).isEqualTo(ImageVerification.Status.COMPLETE);
        client.close();
    }
}
