package dev.hubmirror.api.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.hubmirror.failure.Secrets;
import dev.hubmirror.job.ScriptedSnapshotMirror;
import dev.hubmirror.testing.ApiKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Auth on and no key configured (the embedded default): the service generates a submit key into
 * {@code mirror.api.generated-key-file} with mode 600, logs the file's path and never the key.
 */
@QuarkusTest
@TestProfile(GeneratedApiKeyTest.Keyless.class)
class GeneratedApiKeyTest {

    /** No configured key (the {@code keyless} config profile drops the test keys), a fresh key file, a log file. */
    public static class Keyless implements QuarkusTestProfile {

        static final Path DIR = tempDir();

        private static Path tempDir() {
            try {
                return Files.createTempDirectory("hub-mirror-keyless");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public String getConfigProfile() {
            return "keyless";
        }

        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(ScriptedSnapshotMirror.class);
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "mirror.api.generated-key-file", DIR.resolve("secrets/api-key").toString(),
                    "quarkus.log.file.enabled", "true",
                    "quarkus.log.file.path", DIR.resolve("service.log").toString(),
                    "quarkus.log.file.level", "ALL",
                    "quarkus.log.category.\"dev.hubmirror\".level", "DEBUG");
        }
    }

    /** Puts back the level this profile raised: the JVM's log manager outlives the application. */
    @AfterAll
    static void restoreLogLevels() {
        java.util.logging.Logger.getLogger("dev.hubmirror").setLevel(null);
    }

    @Inject
    Secrets secrets;

    @Test
    void generatesAnOwnerOnlySubmitKeyAndLogsOnlyItsPath() throws IOException {
        // Given
        Path file = Keyless.DIR.resolve("secrets/api-key");

        // When
        String key = Files.readString(file, StandardCharsets.UTF_8).trim();
        RestAssured.given().header("Authorization", ApiKeys.bearer(key)).contentType(ContentType.JSON)
                .body("{\"models\": [\"org/keyless\"]}").when().post("/v1/mirrors").then().statusCode(202);
        RestAssured.given().header("Authorization", ApiKeys.bearer(ApiKeys.SUBMIT)).when().get("/v1/jobs").then()
                .statusCode(401).body("error.reason", equalTo("UNAUTHENTICATED"));

        // Then
        assertThat(key).startsWith("hm_").hasSizeGreaterThan(40);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        String log = Files.readString(Keyless.DIR.resolve("service.log"), StandardCharsets.UTF_8);
        assertThat(log).contains(file.toAbsolutePath().toString()).contains("generated");
        assertThat(log).doesNotContain(key);
        // the generated key is a configured secret like the others: redacted wherever outside text is recorded
        assertThat(secrets.redact("path " + key + "/x")).isEqualTo("path <redacted>/x");
    }
}
