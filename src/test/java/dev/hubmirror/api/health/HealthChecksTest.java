package dev.hubmirror.api.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hubmirror.config.HealthConfig;
import dev.hubmirror.config.HubConfig;
import dev.hubmirror.config.TokenConfig;
import dev.hubmirror.hub.NettyHubClient;
import dev.hubmirror.sim.HubSimulator;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.StoreLocation;
import dev.hubmirror.store.fs.FilesystemObjectStore;
import dev.hubmirror.testing.Configs;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The readiness checks against a real directory store and the Hub simulator, without Quarkus. */
class HealthChecksTest {

    static Vertx vertx;
    static HubSimulator sim;
    static HealthConfig config;

    @TempDir
    Path root;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        sim = HubSimulator.start();
        config = new SmallRyeConfigBuilder().withMapping(HealthConfig.class)
                .withConverter(Duration.class, 100, new io.quarkus.runtime.configuration.DurationConverter())
                .withDefaultValue("mirror.health.store-check-interval", "1h")
                // generous: a loaded CI machine must not turn a slow first answer into "unreachable"
                .withDefaultValue("mirror.health.probe-timeout", "30s")
                .build().getConfigMapping(HealthConfig.class);
    }

    @AfterAll
    static void stop() {
        sim.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void storeIsReadyWhenItsDirectoryIsWritable() {
        // Given
        FilesystemObjectStore store = new FilesystemObjectStore(StoreLocation.parse(root.toUri().toString()), vertx);
        try {
            // When
            HealthCheckResponse response = await(new StoreReadinessCheck(store, config).call());

            // Then
            assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
            assertThat(response.getData().orElseThrow()).containsEntry("kind", "file")
                    .containsEntry("url", store.url(""));
        } finally {
            store.close();
        }
    }

    @Test
    void storeIsNotReadyWhenItCannotWriteAndTheCheckSaysWhy() {
        // Given: a root under /proc, where nobody (not even root) can create a directory
        FilesystemObjectStore store = new FilesystemObjectStore(StoreLocation.parse("/proc/hub-mirror-not-writable"),
                vertx);
        try {
            // When
            HealthCheckResponse response = await(new StoreReadinessCheck(store, config).call());

            // Then
            assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
            assertThat(response.getData().orElseThrow()).containsKey("reason")
                    .hasEntrySatisfying("error", e -> assertThat(e.toString()).contains("/proc/hub-mirror-not-writable"));
        } finally {
            store.close();
        }
    }

    @Test
    void checksWithinTheIntervalReuseTheLastProbe() {
        // Given: a store that counts its probes, checked again and again within the interval (1h)
        FilesystemObjectStore store = new FilesystemObjectStore(StoreLocation.parse(root.toUri().toString()), vertx);
        AtomicInteger probes = new AtomicInteger();
        ObjectStore counting = (ObjectStore) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ObjectStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("probe")) {
                        probes.incrementAndGet();
                    }
                    return method.invoke(store, args);
                });
        try {
            StoreReadinessCheck check = new StoreReadinessCheck(counting, config);

            // When
            for (int i = 0; i < 5; i++) {
                assertThat(await(check.call()).getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
            }

            // Then
            assertThat(probes).hasValue(1);
        } finally {
            store.close();
        }
    }

    @Test
    void hubReachabilityIsReportedButNeverFailsReadiness() throws IOException {
        // Given: the simulator, and a port where nothing listens
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        HubConfig up = Configs.hub(sim.hubUrl(), null, Map.of());
        HubConfig down = Configs.hub("http://127.0.0.1:" + closedPort, null, Map.of("mirror.hub.connect-timeout", "2s"));
        NettyHubClient reachable = new NettyHubClient(vertx, up);
        NettyHubClient unreachable = new NettyHubClient(vertx, down);
        try {
            // When
            HealthCheckResponse yes = await(new HubReachabilityCheck(reachable, up, config).call());
            HealthCheckResponse no = await(new HubReachabilityCheck(unreachable, down, config).call());

            // Then
            assertThat(yes.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
            assertThat(yes.getData().orElseThrow()).containsEntry("reachable", true).containsKey("status");
            assertThat(no.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
            assertThat(no.getData().orElseThrow()).containsEntry("reachable", false)
                    .hasEntrySatisfying("error", e -> assertThat(e.toString()).contains("127.0.0.1:" + closedPort));
        } finally {
            reachable.close();
            unreachable.close();
        }
    }

    @Test
    void aTokenTheHubRefusesMakesReadinessDownNamingTheReasonButNeverTheToken() {
        // Given: a token the Hub does not know
        String bad = "hf_revoked_token_0123456789";
        HubConfig hubConfig = Configs.hub(sim.hubUrl(), bad, Map.of());
        NettyHubClient hub = new NettyHubClient(vertx, hubConfig);
        try {
            // When
            HealthCheckResponse response = await(new HubTokenCheck(hub, hubConfig, tokens(Map.of()), config).call());

            // Then
            assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
            Map<String, Object> data = response.getData().orElseThrow();
            assertThat(data).containsEntry("token", "refused").containsEntry("reason", "UNAUTHORIZED")
                    .hasEntrySatisfying("error", e -> assertThat(e.toString()).contains("HTTP 401")
                            .contains("Invalid credentials in Authorization header").doesNotContain(bad));
            assertThat(data.values()).allSatisfy(v -> assertThat(v.toString()).doesNotContain(bad));
        } finally {
            hub.close();
        }
    }

    @Test
    void aValidTokenIsReadyWithItsAccountAndARefusedNamedTokenIsReportedWithoutFailingReadiness() {
        // Given
        sim.addToken("hf_health_alice_0123456789", "alice");
        HubConfig hubConfig = Configs.hub(sim.hubUrl(), "hf_health_alice_0123456789", Map.of());
        NettyHubClient hub = new NettyHubClient(vertx, hubConfig);
        try {
            // When
            HealthCheckResponse response = await(new HubTokenCheck(hub, hubConfig,
                    tokens(Map.of("mirror.tokens.team", "hf_team_unknown_0123456789")), config).call());

            // Then
            assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
            assertThat(response.getData().orElseThrow()).containsEntry("token", "valid")
                    .containsEntry("user", "alice (token role read)")
                    .containsEntry("mirror.tokens.team.token", "refused")
                    .hasEntrySatisfying("mirror.tokens.team.error", e -> assertThat(e.toString()).contains("401")
                            .doesNotContain("hf_team_unknown_0123456789"));
        } finally {
            hub.close();
        }
    }

    @Test
    void withoutATokenNothingIsSentAndAnUnreachableHubLeavesTheTokenUncheckedButReady() throws IOException {
        // Given
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        HubConfig none = Configs.hub(sim.hubUrl(), null, Map.of());
        HubConfig down = Configs.hub("http://127.0.0.1:" + closedPort, "hf_some_token_0123456789",
                Map.of("mirror.hub.connect-timeout", "2s"));
        NettyHubClient noToken = new NettyHubClient(vertx, none);
        NettyHubClient unreachable = new NettyHubClient(vertx, down);
        sim.clearRequests();
        try {
            // When
            HealthCheckResponse anonymous = await(new HubTokenCheck(noToken, none, tokens(Map.of()), config).call());
            HealthCheckResponse unchecked = await(new HubTokenCheck(unreachable, down, tokens(Map.of()), config)
                    .call());

            // Then
            assertThat(anonymous.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
            assertThat(anonymous.getData().orElseThrow()).containsEntry("token", "none");
            assertThat(sim.requests()).noneSatisfy(r -> assertThat(r.path()).contains("whoami"));
            assertThat(unchecked.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
            assertThat(unchecked.getData().orElseThrow()).containsEntry("token", "unchecked")
                    .hasEntrySatisfying("error", e -> assertThat(e.toString()).contains("127.0.0.1:" + closedPort));
        } finally {
            noToken.close();
            unreachable.close();
        }
    }

    private static TokenConfig tokens(Map<String, String> values) {
        return new SmallRyeConfigBuilder().withMapping(TokenConfig.class).withDefaultValues(values).build()
                .getConfigMapping(TokenConfig.class);
    }

    private static HealthCheckResponse await(Uni<HealthCheckResponse> check) {
        return check.await().atMost(Duration.ofSeconds(20));
    }
}
