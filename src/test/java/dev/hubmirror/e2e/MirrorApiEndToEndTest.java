package dev.hubmirror.e2e;

import static dev.hubmirror.testing.ApiKeys.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hubmirror.hub.RepoType;
import dev.hubmirror.sim.SimCommit;
import dev.hubmirror.sim.SimRepo;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The product as a user drives it: POST a model list, watch the jobs, find the HF cache layout in the bucket. Real
 * wiring end to end: REST, jobs, the Vert.x Hub client against the simulator, the S3 store against s3proxy.
 */
@QuarkusTest
@WithTestResource(HubAndS3Resource.class)
class MirrorApiEndToEndTest {

    private static final long MIB = 1024 * 1024;

    private static JsonPath job(String id) {
        return given().get("/v1/jobs/" + id).then().statusCode(200).extract().jsonPath();
    }

    private static JsonPath awaitFinished(String id) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(job(id).getString("status")));
        return job(id);
    }

    @Test
    void mirrorsAModelListIntoTheBucketInHfCacheLayout() {
        // Given: a gated model (the service has a token) with a tag, and a dataset
        SimRepo model = HubAndS3Resource.sim.model("acme/encoder").gated(true).grant("alice");
        SimCommit c = model.commit().lfsFile("model.safetensors", 11 * MIB + 3, 1).textFile("config.json", "{}")
                .regularFile("tokenizer.json", 50_000, 2);
        model.branch("main", c).tag("v1.0", c);
        SimRepo ds = HubAndS3Resource.sim.repo(RepoType.DATASET, "acme/corpus");
        SimCommit d = ds.commit().lfsFile("data/train.parquet", 2 * MIB, 3).textFile("README.md", "corpus");
        ds.branch("main", d);

        // When
        JsonPath accepted = given().contentType(ContentType.JSON).body("""
                {"models": ["acme/encoder", "acme/encoder@v1.0"],
                 "repos": [{"id": "acme/corpus", "type": "dataset", "revision": "main", "include": ["*.parquet"]}]}
                """).post("/v1/mirrors").then().statusCode(202).extract().jsonPath();

        // Then
        List<String> ids = accepted.getList("jobs.id");
        assertThat(ids).hasSize(3);
        for (String id : ids) {
            JsonPath done = awaitFinished(id);
            assertThat(done.getString("status")).as("job %s: %s", id, done.prettify()).isEqualTo("SUCCEEDED");
        }
        JsonPath first = job(ids.get(0));
        assertThat(first.getString("commit")).isEqualTo(c.sha());
        assertThat(first.getString("snapshotUrl"))
                .isEqualTo("s3://models/weights/models--acme--encoder/snapshots/" + c.sha() + "/");
        assertThat(first.getLong("bytes.total")).isEqualTo(11 * MIB + 3 + 2 + 50_000);

        String base = "weights/models--acme--encoder/";
        assertThat(HubAndS3Resource.s3.objectBytes(HubAndS3Resource.BUCKET, base + "snapshots/" + c.sha()
                + "/model.safetensors")).isEqualTo(c.file("model.safetensors").content());
        assertThat(new String(HubAndS3Resource.s3.objectBytes(HubAndS3Resource.BUCKET, base + "refs/main"),
                StandardCharsets.US_ASCII)).isEqualTo(c.sha());
        assertThat(new String(HubAndS3Resource.s3.objectBytes(HubAndS3Resource.BUCKET, base + "refs/v1.0"),
                StandardCharsets.US_ASCII)).isEqualTo(c.sha());
        assertThat(HubAndS3Resource.s3.keys(HubAndS3Resource.BUCKET, base + "trees/"))
                .containsExactly(base + "trees/" + c.sha() + ".json");
        assertThat(HubAndS3Resource.s3.keys(HubAndS3Resource.BUCKET, base + "blobs/"))
                .contains(base + "blobs/" + c.file("model.safetensors").sha256());
        assertThat(HubAndS3Resource.s3.keys(HubAndS3Resource.BUCKET, "weights/datasets--acme--corpus/snapshots/"))
                .containsExactly("weights/datasets--acme--corpus/snapshots/" + d.sha() + "/data/train.parquet");
        assertThat(HubAndS3Resource.s3.uploadsInProgress(HubAndS3Resource.BUCKET)).isEmpty();
    }

    @Test
    void aFailedJobCarriesAStableReasonAndAMessageThatNamesTheRepo() {
        String id = given().contentType(ContentType.JSON).body("{\"models\": [\"acme/not-there\"]}")
                .post("/v1/mirrors").then().statusCode(202).extract().jsonPath().getString("jobs[0].id");

        JsonPath done = awaitFinished(id);

        assertThat(done.getString("status")).isEqualTo("FAILED");
        assertThat(done.getString("error.reason")).isEqualTo("REPO_NOT_FOUND");
        assertThat(done.getString("error.message")).contains("acme/not-there").doesNotContain(HubAndS3Resource.TOKEN);
    }

    @Test
    void cancellingARunningJobAbortsItsUploads() {
        // Given: a 4 GiB file (its hash is claimed, not computed) that cannot finish before we cancel
        SimRepo repo = HubAndS3Resource.sim.model("acme/huge");
        repo.branch("main", repo.commit().lfsFile("huge.bin", 4096 * MIB, 9, "0".repeat(64)));
        String id = given().contentType(ContentType.JSON).body("{\"models\": [\"acme/huge\"]}")
                .post("/v1/mirrors").then().statusCode(202).extract().jsonPath().getString("jobs[0].id");
        await().atMost(Duration.ofSeconds(30)).until(() -> job(id).getLong("bytes.done") > 0);

        // When
        given().delete("/v1/jobs/" + id).then().statusCode(200);

        // Then
        assertThat(job(id).getString("status")).isEqualTo("CANCELLED");
        // (s3proxy may answer 500 to a listing while an aborted upload's last part is still landing: ask again)
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> assertThat(
                HubAndS3Resource.s3.uploadsInProgress(HubAndS3Resource.BUCKET)).isEmpty());
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> assertThat(
                HubAndS3Resource.s3.keys(HubAndS3Resource.BUCKET, "weights/models--acme--huge/")).isEmpty());
    }
}
