package dev.hubmirror.api.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hubmirror.config.ApiConfig;
import dev.hubmirror.config.ApiConfig.ApiRole;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {

    @TempDir
    Path dir;

    @Test
    void keysComeFromEnvironmentVariablesAsTheKubernetesSecretSetsThem() {
        // Given: the variables k8s/base/deployment.yaml sets from the Secret hub-mirror-api-keys
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(ApiConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new EnvConfigSource(Map.of(
                        "MIRROR_API_KEYS_SUBMIT_KEY", "submit-key-from-a-secret-0123",
                        "MIRROR_API_KEYS_SUBMIT_ROLE", "submit",
                        "MIRROR_API_KEYS_READ_KEY", "read-key-from-a-secret-0123",
                        "MIRROR_API_KEYS_READ_ROLE", "read"), 300))
                .build();

        // When
        ApiKeys keys = new ApiKeys(config.getConfigMapping(ApiConfig.class), false);

        // Then
        assertThat(keys.role("submit-key-from-a-secret-0123")).contains(ApiRole.SUBMIT);
        assertThat(keys.role("read-key-from-a-secret-0123")).contains(ApiRole.READ);
        assertThat(keys.role("read-key-from-a-secret-012")).isEmpty();
    }

    @Test
    void refusesAShortConfiguredKeyWithoutEchoingIt() {
        // Given
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(ApiConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withDefaultValues(Map.of("mirror.api.keys.ci.key", "tooshort", "mirror.api.keys.ci.role", "read"))
                .build();

        // When / Then
        assertThatThrownBy(() -> new ApiKeys(config.getConfigMapping(ApiConfig.class), false))
                .hasMessageContaining("mirror.api.keys.ci.key").hasMessageNotContaining("tooshort");
    }

    @Test
    void reusesTheKeyFileOnTheNextStart() {
        // Given
        Path file = dir.resolve("data/api-key");
        String first = ApiKeys.generatedKey(file);

        // When
        String second = ApiKeys.generatedKey(file);

        // Then
        assertThat(second).isEqualTo(first);
    }

    @Test
    void generatesADifferentKeyPerFile() {
        // When / Then
        assertThat(ApiKeys.generatedKey(dir.resolve("a"))).isNotEqualTo(ApiKeys.generatedKey(dir.resolve("b")));
    }

    @Test
    void refusesAKeyFileWithoutAUsableKey() throws IOException {
        // Given
        Path file = dir.resolve("api-key");
        Files.writeString(file, "short\n", StandardCharsets.UTF_8);

        // When / Then
        assertThatThrownBy(() -> ApiKeys.generatedKey(file)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("delete it").hasMessageNotContaining("short");
    }
}
