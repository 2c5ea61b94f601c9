package dev.hubmirror.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.sim.HubSimulator;
import dev.hubmirror.sim.SimRepo;
import dev.hubmirror.testing.Configs;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link HubClient#withToken}: a per-job token on the shared client. */
class VertxHubClientTokenTest {

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
        VertxHubClient client = new VertxHubClient(vertx, Configs.hub(sim.hubUrl(), null, Map.of()));
        RepoRef ref = RepoRef.model("org/gated-token", "main");
        String commit = client.resolveCommit(ref).await().atMost(WAIT);
        HubFile file = client.listFiles(ref, commit).await().atMost(WAIT).get(0);

        // When / Then
        assertThatThrownBy(() -> read(client, ref, commit, file))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.reason()).isEqualTo(Reason.GATED_REPO));
        HubClient alice = client.withToken(TOKEN);
        assertThat(read(alice, ref, commit, file)).isEqualTo("{\"gated\": true}");

        // closing a view leaves the shared pool open
        ((VertxHubClient) alice).close();
        assertThat(client.resolveCommit(ref).await().atMost(WAIT)).isEqualTo(commit);
        client.close();
    }

    private static String read(HubClient client, RepoRef ref, String commit, HubFile file) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        client.download(ref, commit, file, 0, file.size()).collect().asList().await().atMost(WAIT)
                .forEach(chunk -> out.writeBytes(bytes(chunk)));
        return out.toString(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer chunk) {
        byte[] copy = new byte[chunk.remaining()];
        chunk.duplicate().get(copy);
        return copy;
    }
}
