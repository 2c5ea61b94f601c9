package dev.hubmirror.api.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {

    @TempDir
    Path dir;

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
        assertThatThrownBy(() -> ApiKeys.generatedKey(file)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("delete it").hasMessageNotContaining("short");
    }
}
