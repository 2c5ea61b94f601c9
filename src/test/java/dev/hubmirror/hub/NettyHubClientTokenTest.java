package dev.hubmirror.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.memory.BufferPool;
import dev.hubmirror.memory.BufferScope;
import dev.hubmirror.memory.PooledBuffer;
import dev.hubmirror.sim.HubSimulator;
import dev.hubmirror.sim.SimRepo;
import dev.hubmirror.testing.Configs;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link HubClient#withToken}: a per-job token on the shared client. */
class NettyHubClientTokenTest {

    private static final String TOKEN = "hf_named_token_for_alice";
    private static final Duration WAIT = Duration.ofSeconds(20);

    static Vertx vertx;
    static HubSimulator sim;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        sim = HubSimulator.start();
        sim.addToken(TOKEN, "alice");
    }

    @AfterAll
    static void stop() {
        sim.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void aViewWithANamedTokenReadsAGatedRepoTheDefaultClientCannot() {
        // Given a gated repo, and a client without a token
        SimRepo repo = sim.model("org/gated-token").gated(true).grant("alice");
        repo.commit().textFile("config.json", "{\"gated\": true}");
        NettyHubClient client = new NettyHubClient(vertx, Configs.hub(sim.hubUrl(), null, Map.of()));
        RepoRef ref = RepoRef.model("org/gated-token", "main");
        String commit = client.resolveCommit(ref).await().atMost(WAIT);
        HubFile file = client.listFiles(ref, commit).await().atMost(WAIT).get(0);

        // When / Then
        assertThatThrownBy(() -> read(client, ref, commit, file))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo(Reason.GATED_REPO));
        HubClient alice = client.withToken(TOKEN);
        assertThat(read(alice, ref, commit, file)).isEqualTo("{\"gated\": true}");

        // closing a view leaves the shared pool open
        ((NettyHubClient) alice).close();
        assertThat(client.resolveCommit(ref).await().atMost(WAIT)).isEqualTo(commit);
        client.close();
    }

    private static String read(HubClient client, RepoRef ref, String commit, HubFile file) {
        BufferPool pool = new BufferPool(1 << 20);
        try (BufferScope scope = new BufferScope("test")) {
            PooledBuffer buffer = pool.acquire(file.size(), scope).await().atMost(WAIT);
            client.fetch(ref, commit, file, 0, buffer).await().atMost(WAIT);
            StringBuilder text = new StringBuilder();
            buffer.content().forEach(view -> text.append(StandardCharsets.UTF_8.decode(view)));
            return text.toString();
        }
    }
}
