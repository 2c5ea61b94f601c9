package dev.hubmirror.e2e;

import static dev.hubmirror.testing.ApiKeys.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.job.JobOrder;
import dev.hubmirror.job.JobOrigin;
import dev.hubmirror.job.SnapshotWork;
import dev.hubmirror.job.JobService;
import dev.hubmirror.sim.SimCommit;
import dev.hubmirror.sim.SimRepo;
import dev.hubmirror.testing.ApiKeys;
import dev.hubmirror.testing.HubSimulatorResource;
import dev.hubmirror.testing.RestJobs;
import dev.hubmirror.testing.SimulatedHub;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Hub tokens never leave the service: a gated mirror with a real token and one with a wrong token, then every output
 * is searched for both tokens: the log (every logger at DEBUG, Vert.x and Netty included), job status JSON, the job
 * list, SSE events, REST error bodies and the metrics scrape. (Kafka events: {@code KafkaMirrorIT} searches every event
 * and dead-letter record for its token.)
 */
@QuarkusTest
@TestProfile(TokenRedactionTest.Redaction.class)
class TokenRedactionTest {

    static final String TOKEN = "hf_redaction_secret_0123456789";
    static final String WRONG = "hf_wrong_secret_9876543210";

    /** The simulated Hub, a default token, a named wrong token, and a DEBUG log file of everything. */
    public static class Redaction implements QuarkusTestProfile {

        static final Path LOG = logFile();

        private static Path logFile() {
            try {
                return Files.createTempDirectory("hub-mirror-redaction").resolve("service.log");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(HubSimulatorResource.class));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>();
            config.put("mirror.hub.token", TOKEN);
            config.put("mirror.tokens.wrong", WRONG);
            config.put("quarkus.log.level", "DEBUG");
            config.put("quarkus.log.category.\"dev.hubmirror\".level", "DEBUG");
            config.put("quarkus.log.category.\"io.vertx\".level", "DEBUG");
            config.put("quarkus.log.category.\"io.netty\".level", "DEBUG");
            // the test's own HTTP client (RestAssured on Apache HttpClient, in this JVM) logs what the test sends,
            // tokens included on purpose: it is not the service
            config.put("quarkus.log.category.\"org.apache.http\".level", "INFO");
            config.put("quarkus.log.file.enabled", "true");
            config.put("quarkus.log.file.path", LOG.toString());
            config.put("quarkus.log.file.level", "ALL");
            return config;
        }
    }

    SimulatedHub hub;

    /**
     * Puts back the levels this profile raised: the JVM's log manager outlives the application, and DEBUG on
     * {@code io.netty} would make the AWS SDK of later tests in this JVM log every byte it sends.
     */
    @AfterAll
    static void restoreLogLevels() {
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.INFO);
        for (String category : List.of("dev.hubmirror", "io.vertx", "io.netty", "org.apache.http")) {
            java.util.logging.Logger.getLogger(category).setLevel(null);
        }
    }

    @Inject
    JobService jobs;

    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    @TestHTTPResource(value = "health/ready", management = true)
    URL ready;

    @Test
    void aTokenTheHubRefusedAtStartupWasReportedBeforeAnyJobInTheLogAndInReadiness() throws IOException {
        // Given: the service started with tokens the simulator did not know then (this test adds none)

        // When
        String log = Files.readString(Redaction.LOG, StandardCharsets.UTF_8);

        // Then: the startup check logged both, and readiness says why it is down, without either token
        assertThat(log).contains("hub token refused token=mirror.hub.token error=UNAUTHORIZED")
                .contains("set HF_TOKEN").contains("hub token refused token=mirror.tokens.wrong");
        String readiness = RestAssured.given().when().get(ready).then().statusCode(503)
                .body("checks.find { it.name == 'hub-token' }.status", equalTo("DOWN"))
                .body("checks.find { it.name == 'hub-token' }.data.reason",
                        equalTo("UNAUTHORIZED"))
                .extract().asString();
        assertThat(readiness).doesNotContain(TOKEN).doesNotContain(WRONG);
    }

    @Test
    void neitherTheTokenNorAWrongTokenAppearsInAnyOutput() throws IOException {
        // Given: a gated repo that the token's user was granted
        hub.sim().addToken(TOKEN, "alice");
        SimRepo repo = hub.sim().model("org/gated-secret").gated(true).grant("alice");
        SimCommit commit = repo.commit().textFile("config.json", "{}").lfsFile("weights.bin", 3 * 1024 * 1024, 61L);
        repo.branch("main", commit);
        List<String> outputs = new ArrayList<>();

        // When: a mirror with the token succeeds, one with the wrong token fails
        String good = RestJobs.submit("{\"id\": \"org/gated-secret\"}");
        JsonPath succeeded = RestJobs.awaitFinished(good);
        String bad = jobs.admit(new JobOrder("redaction-wrong-token", SnapshotWork.of(RepoRef.model("org/gated-secret",
                "main")), null, "wrong", new JobOrigin("req-redaction", "test"), Instant.now(), null, -1)).id();
        JsonPath failed = RestJobs.awaitFinished(bad);

        // Then: the outputs are what they should be...
        assertThat(succeeded.getString("status")).isEqualTo("SUCCEEDED");
        assertThat(failed.getString("status")).isEqualTo("FAILED");
        assertThat(failed.getString("error.reason")).isEqualTo("UNAUTHORIZED");
        outputs.add(succeeded.prettify());
        outputs.add(failed.prettify());
        outputs.add(given().when().get("/v1/jobs").then().statusCode(200).extract().asString());
        for (String id : List.of(good, bad)) {
            outputs.add(given().accept("text/event-stream").when().get("/v1/jobs/" + id + "/events").then()
                    .statusCode(200).extract().asString());
        }
        outputs.add(given().contentType(ContentType.JSON).body("{\"models\": [\"bad id!\"], \"token\": \"" + TOKEN
                + "\"}").when().post("/v1/mirrors").then().statusCode(400).extract().asString());
        outputs.add(given().contentType(ContentType.JSON).body("{\"models\": [\"" + TOKEN + "\"}").when()
                .post("/v1/mirrors").then().statusCode(400).extract().asString());
        outputs.add(RestAssured.given().header("Authorization", "Bearer " + TOKEN).when().get("/v1/jobs").then()
                .statusCode(401).extract().asString());
        outputs.add(given().when().get("/v1/verify?repo=org/gated-secret&revision=main").then().extract().asString());
        String scrape = RestAssured.given().when().get(metrics).then().statusCode(200).extract().asString();
        String log = Files.readString(Redaction.LOG, StandardCharsets.UTF_8);

        // ...they were captured for real (the log has DEBUG lines of the mirror and of the HTTP stack)...
        assertThat(scrape).contains("hubmirror_hub_downloaded_bytes_total");
        assertThat(log).contains("org/gated-secret").contains("DEBUG");
        // ...and none holds either token
        for (String output : outputs) {
            assertThat(output).doesNotContain(TOKEN).doesNotContain(WRONG);
        }
        assertThat(scrape).doesNotContain(TOKEN).doesNotContain(WRONG);
        assertThat(log).doesNotContain(TOKEN).doesNotContain(WRONG);
    }

    @Test
    void secretsEchoedInTreePathsAreRedactedFromTheJobErrorTheJobListTheEventsAndTheLog() throws IOException {
        // Given: a Hub that lists a safe path holding the default token and an API key, whose bytes arrive corrupted
        // (the file fails, and the engine logs its path), and an unsafe path that holds them too and, cut short where
        // error messages cut a quoted path (120 characters), the first 13 characters of the named token
        hub.sim().addToken(TOKEN, "alice");
        String echoed = "w-" + TOKEN + "/" + ApiKeys.READ + "/model.bin";
        SimRepo corrupt = hub.sim().model("org/echo-corrupt");
        corrupt.branch("main", corrupt.commit().textFile("config.json", "{}").lfsFile(echoed, 2000, 7));
        hub.sim().faults().corruptByte(echoed, 5);
        String cutWrong = WRONG.substring(0, 13);
        String prefix = "../" + TOKEN + "/" + ApiKeys.READ + "/";
        String unsafe = prefix + "p".repeat(120 - prefix.length() - cutWrong.length()) + WRONG + "/x.bin";
        SimRepo hostile = hub.sim().model("org/echo-unsafe");
        hostile.branch("main", hostile.commit().textFile("config.json", "{}").hostileTextFile(unsafe, "x"));

        // When
        List<String> outputs = new ArrayList<>();
        List<JsonPath> failed = new ArrayList<>();
        try {
            for (String repo : List.of("org/echo-corrupt", "org/echo-unsafe")) {
                String id = RestJobs.submit("{\"id\": \"" + repo + "\"}");
                failed.add(RestJobs.awaitFinished(id));
                outputs.add(given().accept("text/event-stream").when().get("/v1/jobs/" + id + "/events").then()
                        .statusCode(200).extract().asString());
            }
        } finally {
            hub.sim().faults().clear();
        }
        String list = given().when().get("/v1/jobs").then().statusCode(200).extract().asString();
        String log = Files.readString(Redaction.LOG, StandardCharsets.UTF_8);

        // Then: the failures were recorded, shown and logged with every secret (and the cut one's prefix) redacted
        assertThat(failed.get(0).getString("error.reason")).isEqualTo("CHECKSUM_MISMATCH");
        assertThat(failed.get(0).getString("error.message")).contains("w-<redacted>/<redacted>/model.bin");
        assertThat(failed.get(1).getString("error.reason")).isEqualTo("UNSAFE_PATH");
        assertThat(failed.get(1).getString("error.message")).contains("'../<redacted>/<redacted>/ppp")
                .contains("ppp<redacted>...'");
        assertThat(list).contains("org/echo-corrupt", "org/echo-unsafe", "w-<redacted>/<redacted>/model.bin");
        assertThat(outputs).allSatisfy(events -> assertThat(events).contains("FAILED").contains("<redacted>"));
        assertThat(log).contains("file failed repo=org/echo-corrupt").contains("w-<redacted>/<redacted>/model.bin");
        outputs.add(failed.get(0).prettify());
        outputs.add(failed.get(1).prettify());
        outputs.add(list);
        outputs.add(log);
        for (String output : outputs) {
            assertThat(output).doesNotContain(TOKEN).doesNotContain(WRONG).doesNotContain(cutWrong)
                    .doesNotContain(ApiKeys.READ);
        }
    }
}
