package dev.hubmirror.api.rest;

import static dev.hubmirror.testing.ApiKeys.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.job.ScriptedSnapshotMirror;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(ScriptedMirrorProfile.class)
class JobsResourceTest extends JobsApiTestSupport {

    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    @Test
    void reportsQueuedThenRunningThenSucceededWithProgress() {
        // Given: one job slot
        String first = submit("{\"models\": [\"org/first\"]}", 0);
        String second = submit("{\"models\": [\"org/second@v2\"]}", 0);
        ScriptedSnapshotMirror.Run run = mirror.run("org/first");

        // When
        run.progress().planned(COMMIT, 3, 3000);
        run.progress().transferred(1000);
        run.progress().fileDone("config.json", 1000, false);
        run.progress().fileDone("tokenizer.json", 500, true);

        // Then
        given().when().get("/v1/jobs/" + second).then().statusCode(200)
                .body("status", equalTo("QUEUED"))
                .body("revision", equalTo("v2"))
                .body("startedAt", nullValue());
        given().when().get("/v1/jobs/" + first).then().statusCode(200)
                .body("id", equalTo(first))
                .body("repo", equalTo("org/first"))
                .body("type", equalTo("model"))
                .body("status", equalTo("RUNNING"))
                .body("commit", equalTo(COMMIT))
                .body("files.done", equalTo(2))
                .body("files.total", equalTo(3))
                .body("files.skipped", equalTo(1))
                .body("bytes.done", equalTo(1500))
                .body("bytes.total", equalTo(3000))
                .body("error", nullValue())
                .body("createdAt", notNullValue())
                .body("startedAt", notNullValue())
                .body("finishedAt", nullValue());

        // When
        run.progress().transferred(1500);
        run.progress().fileDone("model.safetensors", 1500, false);
        run.succeed(COMMIT, 3, 3000);

        // Then
        given().when().get("/v1/jobs/" + first).then().statusCode(200)
                .body("status", equalTo("SUCCEEDED"))
                .body("files.done", equalTo(3))
                .body("bytes.done", equalTo(3000))
                .body("snapshotUrl", containsString("/snapshots/" + COMMIT))
                .body("finishedAt", notNullValue());
        given().when().get("/v1/jobs/" + second).then().body("status", equalTo("RUNNING"));
        assertThat(mirror.run("org/second").spec().ref().revision()).isEqualTo("v2");
    }

    @Test
    void reportsTheFailureReasonAndMessage() {
        // Given
        String id = submit("{\"models\": [\"org/gated\"]}", 0);

        // When
        mirror.run("org/gated").fail(new MirrorException(Reason.GATED_REPO,
                "model org/gated@main is gated: request access on the Hub and set HF_TOKEN"));

        // Then
        given().when().get("/v1/jobs/" + id).then().statusCode(200)
                .body("status", equalTo("FAILED"))
                .body("error.reason", equalTo("GATED_REPO"))
                .body("error.message", containsString("set HF_TOKEN"))
                .body("finishedAt", notNullValue());
    }

    @Test
    void cancelsARunningJobAndTheMirrorSeesTheCancellation() {
        // Given
        String id = submit("{\"models\": [\"org/big\"]}", 0);
        ScriptedSnapshotMirror.Run run = mirror.run("org/big");

        // When / Then
        given().when().delete("/v1/jobs/" + id).then().statusCode(200)
                .body("status", equalTo("CANCELLED"))
                .body("error.reason", equalTo("CANCELLED"));
        assertThat(run.cancelled()).isTrue();
        given().when().get("/v1/jobs/" + id).then().body("status", equalTo("CANCELLED"));
    }

    @Test
    void cancelsAQueuedJobWhichThenNeverStarts() {
        // Given
        submit("{\"models\": [\"org/running\"]}", 0);
        String queued = submit("{\"models\": [\"org/waiting\"]}", 0);

        // When
        given().when().delete("/v1/jobs/" + queued).then().statusCode(200).body("status", equalTo("CANCELLED"));
        mirror.run("org/running").succeed(COMMIT, 0, 0);

        // Then
        assertThat(mirror.started("org/waiting")).isFalse();
    }

    @Test
    void answers409WhenCancellingAFinishedJob() {
        // Given
        String id = submit("{\"models\": [\"org/done\"]}", 0);
        mirror.run("org/done").succeed(COMMIT, 0, 0);

        // When / Then
        given().when().delete("/v1/jobs/" + id).then().statusCode(409)
                .body("error.reason", equalTo("JOB_FINISHED"))
                .body("error.message", containsString("SUCCEEDED"));
        given().when().get("/v1/jobs/" + id).then().body("status", equalTo("SUCCEEDED"));
    }

    @Test
    void answers404ForAnUnknownJob() {
        given().when().get("/v1/jobs/no-such-job").then().statusCode(404)
                .body("error.reason", equalTo("JOB_NOT_FOUND"))
                .body("error.message", containsString("no-such-job"));
        given().when().delete("/v1/jobs/no-such-job").then().statusCode(404)
                .body("error.reason", equalTo("JOB_NOT_FOUND"));
    }

    @Test
    void listsJobsNewestFirstFilteredByStatusAndLimited() {
        // Given
        String running = submit("{\"models\": [\"org/one\"]}", 0);
        String queuedOlder = submit("{\"models\": [\"org/two\"]}", 0);
        String queuedNewer = submit("{\"models\": [\"org/three\"]}", 0);

        // When / Then
        List<String> queued = given().queryParam("status", "QUEUED").when().get("/v1/jobs").then().statusCode(200)
                .body("jobs.status", everyItem(equalTo("QUEUED")))
                .extract().path("jobs.id");
        assertThat(queued).containsExactly(queuedNewer, queuedOlder);
        given().queryParam("status", "running").when().get("/v1/jobs").then().statusCode(200)
                .body("jobs", hasSize(1))
                .body("jobs[0].id", equalTo(running));
        given().queryParam("limit", 2).when().get("/v1/jobs").then().statusCode(200)
                .body("jobs", hasSize(2))
                .body("jobs[0].id", equalTo(queuedNewer))
                .body("jobs[1].id", equalTo(queuedOlder));
    }

    @Test
    void answers400ForAnUnknownStatusOrABadLimit() {
        given().queryParam("status", "DONE").when().get("/v1/jobs").then().statusCode(400)
                .body("error.reason", equalTo("INVALID_REQUEST"))
                .body("error.message", containsString("unknown status 'DONE'"));
        given().queryParam("limit", "0").when().get("/v1/jobs").then().statusCode(400)
                .body("error.message", containsString("limit '0' is invalid"));
        given().queryParam("limit", "many").when().get("/v1/jobs").then().statusCode(400)
                .body("error.reason", equalTo("INVALID_REQUEST"));
    }
}
