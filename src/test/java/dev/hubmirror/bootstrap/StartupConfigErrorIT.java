package dev.hubmirror.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hubmirror.testing.ServiceProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The packaged service started with a configuration mistake stops at once and says what is wrong in one line, the
 * key named and how to fix it, with no stack trace.
 */
class StartupConfigErrorIT {

    private static final Duration EXIT_LIMIT = Duration.ofSeconds(90);

    @TempDir
    static Path store;

    static Stream<Arguments> mistakes() {
        return Stream.of(
                Arguments.of("short-key", Map.of("mirror.api.keys.ci.key", "tooshort", "mirror.api.keys.ci.role", "read"),
                        "mirror.api.keys.ci.key is shorter than 16 characters", "tooshort"),
                Arguments.of("bad-scheme", Map.of("mirror.store.url", "ftp://files.example/models"),
                        "mirror.store.url (MIRROR_STORE_URL): store url 'ftp://files.example/models' has unsupported "
                                + "scheme 'ftp'", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void aConfigurationMistakeStopsTheServiceWithOneClearLineAndNoStackTrace(String name,
            Map<String, String> config, String expected, String secret) {
        // Given
        Map<String, String> properties = new HashMap<>(config);
        properties.putIfAbsent("mirror.store.url", store.toUri().toString());

        // When
        ServiceProcess service = ServiceProcess.launch("config-error-" + name, properties);
        int exit = service.awaitExit(EXIT_LIMIT);

        // Then
        String output = service.output();
        assertThat(exit).as(output).isNotZero();
        assertThat(output.lines().filter(line -> line.contains(expected)).count()).as(output).isEqualTo(1);
        assertThat(output).as("no stack trace").doesNotContain("\tat ").doesNotContain("Caused by");
        if (secret != null) {
            assertThat(output).doesNotContain(secret);
        }
    }
}
