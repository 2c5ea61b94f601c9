package dev.hubmirror.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hubmirror.hub.RepoType;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The JSON scenario a standalone simulator starts from. */
class SimSpecTest {

    @Test
    void loadsTheDemoSpecWithItsReposRefsAndTokens() throws Exception {
        try (HubSimulator sim = HubSimulator.start()) {
            // When
            sim.load(Path.of("src/test/resources/sim/demo-spec.json"));
            SimHttp http = new SimHttp();

            // Then
            SimRepo bert = sim.model("demo-org/tiny-bert");
            assertThat(bert.commits()).hasSize(2);
            assertThat(bert.resolve("v1.0")).isSameAs(bert.commits().get(0));
            assertThat(bert.resolve("refs/pr/1")).isSameAs(bert.commits().get(1));
            assertThat(bert.commits().get(1).file("config.json")).isNotNull();
            assertThat(bert.commits().get(1).file("model.safetensors").lfs()).isTrue();
            assertThat(sim.findRepo(RepoType.DATASET, "demo-org/tiny-dataset")).isNotNull();
            assertThat(http.get(sim.hubUrl() + "/demo-org/gated-model/resolve/main/config.json",
                    "Authorization", "Bearer hf_demo_alice").status()).isEqualTo(307);
            assertThat(http.get(sim.hubUrl() + "/demo-org/gated-model/resolve/main/config.json",
                    "Authorization", "Bearer hf_demo_bob").status()).isEqualTo(403);
        }
    }

    @Test
    void setsTheNetworkFromTheSpecInUnitsOrPlainNumbers() {
        try (HubSimulator sim = HubSimulator.start()) {
            // When
            SimSpec.apply(sim, new JsonObject("{\"network\": {\"linkRate\": \"60MiB\", \"latency\": \"40ms\"}}"),
                    "test");

            // Then
            assertThat(sim.network().bytesPerSecond()).isEqualTo(60L << 20);
            assertThat(sim.network().latencyMillis()).isEqualTo(40);

            // When
            SimSpec.apply(sim, new JsonObject("{\"network\": {\"linkRate\": 1000, \"latency\": 0}}"), "test");

            // Then
            assertThat(sim.network().bytesPerSecond()).isEqualTo(1000);
            assertThat(sim.network().latencyMillis()).isZero();
            assertThatThrownBy(() -> SimSpec.apply(sim, new JsonObject("{\"network\": {\"rate\": 1}}"), "test"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rate");
        }
    }

    @Test
    void rejectsUnknownKeysAndBadRefs() {
        try (HubSimulator sim = HubSimulator.start()) {
            assertThatThrownBy(() -> SimSpec.apply(sim, new JsonObject("{\"repoz\": []}"), "test"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("repoz");
            assertThatThrownBy(() -> SimSpec.apply(sim, new JsonObject(
                    "{\"repos\": [{\"id\": \"a/b\", \"commits\": [{}], \"tags\": {\"v1\": 3}}]}"), "test"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("v1");
        }
    }
}
