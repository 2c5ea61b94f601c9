package dev.hubmirror.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.memory.BufferPool;
import dev.hubmirror.memory.BufferScope;
import dev.hubmirror.memory.PooledBuffer;
import dev.hubmirror.sim.HubSimulator;
import dev.hubmirror.sim.SimCommit;
import dev.hubmirror.sim.SimRepo;
import dev.hubmirror.testing.Configs;
import dev.hubmirror.testing.TestCertificates;
import io.vertx.core.Vertx;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A TLS Hub: the simulator serving https with a self-signed certificate for localhost, Hub and CDN alike. */
class NettyHubClientTlsTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String TOKEN = "hf_tls_token_0123456789";

    private static Vertx vertx;
    private static HubSimulator sim;
    private static final BufferPool POOL = new BufferPool(16L << 20);

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        sim = HubSimulator.startTls(TestCertificates.keystore(), TestCertificates.PASSWORD);
        sim.addToken(TOKEN, "alice");
    }

    @AfterAll
    static void stop() {
        sim.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void mirrorsFromAnHttpsHubItWasToldToTrust() throws Exception {
        // Given: a gated repo with an LFS file (302 to the https CDN) and a regular file
        SimRepo repo = sim.model("org/tls").gated(true).grant("alice");
        SimCommit commit = repo.commit().lfsFile("model.bin", 3L << 20, 31L).regularFile("config.json", 5000, 32L);
        assertThat(sim.hubUrl()).startsWith("https://localhost:");

        try (NettyHubClient client = client(Map.of())) {
            // When
            RepoRef ref = RepoRef.model("org/tls", "main");
            String sha = client.resolveCommit(ref).await().atMost(WAIT);
            HubFile lfs = client.listFiles(ref, sha).await().atMost(WAIT).stream()
                    .filter(f -> f.path().equals("model.bin")).findFirst().orElseThrow();
            HubFile regular = client.listFiles(ref, sha).await().atMost(WAIT).stream()
                    .filter(f -> f.path().equals("config.json")).findFirst().orElseThrow();

            // Then
            assertThat(sha).isEqualTo(commit.sha());
            assertThat(sha256(fetch(client, ref, sha, lfs))).isEqualTo(commit.file("model.bin").sha256());
            assertThat(fetch(client, ref, sha, regular)).isEqualTo(commit.file("config.json").content());
        }
        assertThat(sim.requests()).filteredOn(r -> r.listener().equals("cdn")).isNotEmpty()
                .allSatisfy(r -> assertThat(r.authorized()).isFalse());
        assertThat(POOL.inUse()).isZero();
    }

    @Test
    void refusesAnHttpsHubWhoseCertificateItDoesNotTrust() {
        // When
        HubException e;
        try (NettyHubClient untrusting = new NettyHubClient(vertx, Configs.hub(sim.hubUrl(), null,
                Map.of("mirror.hub.max-attempts", "1")))) {
            e = catchThrowableOfType(HubException.class,
                    () -> untrusting.resolveCommit(RepoRef.model("org/any", "main")).await().atMost(WAIT));
        }

        // Then
        assertThat(e.reason()).isEqualTo(Reason.HUB_CONNECTION);
        assertThat(e.getMessage()).contains("TLS failed").contains("mirror.hub.trust-certificates")
                .contains("localhost");
    }

    @Test
    void refusesATrustedCertificateThatDoesNotNameTheHost() {
        // Given: the certificate names localhost; the Hub is reached as 127.0.0.1
        String byIp = sim.hubUrl().replace("localhost", "127.0.0.1");

        // When
        HubException e;
        try (NettyHubClient client = client(Map.of("mirror.hub.endpoint", byIp, "mirror.hub.max-attempts", "1"))) {
            e = catchThrowableOfType(HubException.class,
                    () -> client.resolveCommit(RepoRef.model("org/any", "main")).await().atMost(WAIT));
        }

        // Then
        assertThat(e.reason()).isEqualTo(Reason.HUB_CONNECTION);
        assertThat(e.getMessage()).contains("TLS failed").contains("127.0.0.1");
    }

    private static NettyHubClient client(Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>(Map.of("mirror.hub.trust-certificates",
                TestCertificates.certificatePem().toString(), "mirror.hub.redirect-allowlist", "localhost"));
        values.putAll(overrides);
        return new NettyHubClient(vertx, Configs.hub(values.getOrDefault("mirror.hub.endpoint", sim.hubUrl()), TOKEN,
                values));
    }

    static byte[] fetch(HubClient client, RepoRef ref, String commit, HubFile file) {
        try (BufferScope scope = new BufferScope("test")) {
            PooledBuffer buffer = POOL.acquire(file.size(), scope).await().atMost(WAIT);
            client.fetch(ref, commit, file, 0, buffer).await().atMost(WAIT);
            byte[] out = new byte[(int) file.size()];
            int at = 0;
            for (ByteBuffer view : buffer.content()) {
                int n = view.remaining();
                view.get(out, at, n);
                at += n;
            }
            return out;
        }
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
