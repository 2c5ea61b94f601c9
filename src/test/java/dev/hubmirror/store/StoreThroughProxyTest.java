package dev.hubmirror.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hubmirror.config.StoreConfig;
import dev.hubmirror.http.ProxySettings;
import dev.hubmirror.store.gcs.FakeGcsServer;
import dev.hubmirror.store.gcs.GcsObjectStore;
import dev.hubmirror.store.s3.S3ObjectStore;
import dev.hubmirror.testing.Configs;
import dev.hubmirror.testing.S3ProxyServer;
import dev.hubmirror.testing.TinyProxy;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The S3 and GCS clients go through the same forward proxy as the Hub client (issue 12: "and to GCS/S3 endpoints when
 * they are not in NO_PROXY"), tested against a real tinyproxy, s3proxy and the GCS fake on loopback.
 */
class StoreThroughProxyTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static Vertx vertx;
    private static S3ProxyServer s3;
    private static TinyProxy proxy;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        s3 = S3ProxyServer.start();
        s3.createBucket("proxied");
        s3.setCredentialSystemProperties();
        proxy = TinyProxy.start();
    }

    @AfterAll
    static void stop() {
        proxy.close();
        s3.clearCredentialSystemProperties();
        s3.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private static ProxySettings via(String noProxy) {
        return ProxySettings.resolve(Optional.of(proxy.url()), Optional.of(proxy.url()), Optional.ofNullable(noProxy),
                Optional.empty(), Optional.empty(), name -> null);
    }

    private static boolean proxied(URI endpoint) {
        String authority = endpoint.getHost() + ":" + endpoint.getPort();
        return proxy.requests().stream().anyMatch(r -> r.contains(authority));
    }

    @Test
    void anS3StoreSendsItsRequestsThroughTheForwardProxy() {
        // Given
        StoreConfig config = Configs.store(s3.storeProperties("s3://proxied/p"));
        try (S3ObjectStore store = new S3ObjectStore(StoreLocation.parse(config.url()), config.s3(), via(null),
                StoreObserver.NONE)) {
            // When
            store.put("k.txt", ByteBuffer.wrap("through the proxy".getBytes(StandardCharsets.UTF_8)), Map.of())
                    .await().atMost(WAIT);

            // Then
            assertThat(store.stat("k.txt").await().atMost(WAIT)).hasValueSatisfying(o -> assertThat(o.size())
                    .isEqualTo(17));
            assertThat(proxied(s3.endpoint())).as("tinyproxy saw s3proxy's endpoint: %s", proxy.requests())
                    .isTrue();
        }
    }

    @Test
    void anS3EndpointInNoProxyIsReachedDirectly() {
        StoreConfig config = Configs.store(s3.storeProperties("s3://proxied/direct"));
        List<String> before = proxy.requests();
        try (S3ObjectStore store = new S3ObjectStore(StoreLocation.parse(config.url()), config.s3(),
                via("127.0.0.1"), StoreObserver.NONE)) {
            store.put("k.txt", ByteBuffer.wrap(new byte[] {1}), Map.of()).await().atMost(WAIT);
        }
        assertThat(proxy.requests()).isEqualTo(before);
    }

    @Test
    void aGcsStoreSendsItsRequestsThroughTheForwardProxy() {
        try (FakeGcsServer gcs = FakeGcsServer.start()) {
            // Given
            Map<String, String> props = new HashMap<>(Map.of("mirror.store.url", "gs://bucket/w",
                    "mirror.store.gcs.host", gcs.host(), "mirror.store.gcs.anonymous", "true"));
            StoreConfig config = Configs.store(props);
            try (GcsObjectStore store = new GcsObjectStore(StoreLocation.parse(config.url()), config.gcs(), vertx,
                    via(null))) {
                // When
                store.put("k.txt", ByteBuffer.wrap("gcs".getBytes(StandardCharsets.UTF_8)), Map.of())
                        .await().atMost(WAIT);
            }

            // Then
            assertThat(gcs.object("bucket", "w/k.txt")).isPresent();
            assertThat(proxied(URI.create(gcs.host()))).as("tinyproxy saw the GCS endpoint: %s", proxy.requests())
                    .isTrue();
        }
    }

    @Test
    void aGcsStoreRefusesAProxyThatNeedsCredentialsNamingWhatToDo() {
        StoreConfig config = Configs.store(Map.of("mirror.store.url", "gs://bucket/w", "mirror.store.gcs.anonymous",
                "true"));
        ProxySettings withCredentials = ProxySettings.resolve(Optional.of("http://127.0.0.1:3128"), Optional.empty(),
                Optional.empty(), Optional.of("alice"), Optional.of("s3cr3t-proxy-password"), name -> null);

        assertThatThrownBy(() -> new GcsObjectStore(StoreLocation.parse(config.url()), config.gcs(), vertx,
                withCredentials))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("storage.googleapis.com").hasMessageContaining("NO_PROXY")
                .hasMessageNotContaining("s3cr3t-proxy-password");
    }
}
