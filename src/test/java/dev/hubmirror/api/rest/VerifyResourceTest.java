package dev.hubmirror.api.rest;

import static dev.hubmirror.testing.ApiKeys.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.hubmirror.sim.SimCommit;
import dev.hubmirror.sim.SimRepo;
import dev.hubmirror.testing.RestJobs;
import dev.hubmirror.testing.SimulatedHub;
import dev.hubmirror.testing.SimulatedHubProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/verify} on snapshots the running service mirrored into its directory store. */
@QuarkusTest
@TestProfile(SimulatedHubProfile.class)
class VerifyResourceTest {

    SimulatedHub hub;

    @Test
    void aMirroredRepoIsCompleteAndADeletedFileMakesItIncomplete() throws IOException {
        // Given
        SimRepo repo = hub.sim().model("org/verified");
        SimCommit c = repo.commit().lfsFile("model.safetensors", 1_500_000, 3).textFile("config.json", "{}")
                .textFile("tokenizer.json", "{\"t\": 1}");
        repo.branch("main", c);
        assertThat(RestJobs.mirror("{\"id\": \"org/verified\"}").getString("status")).isEqualTo("SUCCEEDED");

        // When / Then: complete
        given().queryParam("repo", "org/verified").queryParam("revision", "main")
                .when().get("/v1/verify").then().statusCode(200)
                .body("status", equalTo("COMPLETE"))
                .body("complete", equalTo(true))
                .body("commit", equalTo(c.sha()))
                .body("ref.state", equalTo("PRESENT"))
                .body("ref.key", equalTo("models--org--verified/refs/main"))
                .body("tree.present", equalTo(true))
                .body("files.expected", equalTo(3))
                .body("files.verified", equalTo(3))
                .body("snapshotUrl", containsString("models--org--verified/snapshots/" + c.sha() + "/"));

        // When: a file disappears from the store
        Files.delete(hub.storeRoot().resolve("models--org--verified/snapshots/" + c.sha() + "/tokenizer.json"));

        // Then
        given().queryParam("repo", "org/verified").queryParam("deep", "true")
                .when().get("/v1/verify").then().statusCode(200)
                .body("status", equalTo("INCOMPLETE"))
                .body("complete", equalTo(false))
                .body("deep", equalTo(true))
                .body("files.missing", equalTo(1))
                .body("missing[0].path", equalTo("tokenizer.json"))
                .body("missing[0].problem", equalTo("MISSING"))
                .body("missing[0].actualSize", nullValue());
    }

    @Test
    void aModelThatIsNotInTheStoreIsNotMirroredAndBadInputIs400() {
        given().queryParam("repo", "org/never-mirrored").queryParam("type", "model")
                .when().get("/v1/verify").then().statusCode(200)
                .body("status", equalTo("NOT_MIRRORED"))
                .body("complete", equalTo(false))
                .body("ref.state", equalTo("MISSING"))
                .body("problems[0]", containsString("models--org--never-mirrored/refs/main is missing"));
        given().when().get("/v1/verify").then().statusCode(400).body("error.reason", equalTo("INVALID_REQUEST"));
        given().queryParam("repo", "org/x").queryParam("type", "checkpoint").when().get("/v1/verify").then()
                .statusCode(400).body("error.message", containsString("unknown repo type"));
        given().queryParam("repo", "org/x").queryParam("commit", "abc").when().get("/v1/verify").then()
                .statusCode(400).body("error.message", containsString("40-hex"));
        given().queryParam("repo", "org/x@v1").queryParam("revision", "v2").when().get("/v1/verify").then()
                .statusCode(400).body("error.message", containsString("give it once"));
        given().queryParam("repo", "org/x@").when().get("/v1/verify").then()
                .statusCode(400).body("error.message", containsString("empty revision"));
        given().queryParam("repo", "org/x").queryParam("include", "*.json").queryParam("allow_patterns", "*.md")
                .when().get("/v1/verify").then().statusCode(400)
                .body("error.message", containsString("both 'include' and 'allow_patterns'"));
    }

    @Test
    void repoAtRevisionAndHuggingfaceHubPatternNamesWorkAsInASubmission() {
        // Given: a tag and a filtered mirror of it
        SimRepo repo = hub.sim().model("org/verified-at");
        SimCommit c = repo.commit().textFile("config.json", "{}").textFile("README.md", "# x")
                .lfsFile("model.safetensors", 300_000, 4);
        repo.branch("main", c);
        repo.tag("v1.0", c);
        assertThat(RestJobs.mirror("{\"id\": \"org/verified-at\", \"revision\": \"v1.0\", "
                + "\"allow_patterns\": [\"*.json\", \"*.safetensors\"]}").getString("status"))
                .isEqualTo("SUCCEEDED");

        // When / Then: repo@revision, with huggingface_hub's pattern name
        given().queryParam("repo", "org/verified-at@v1.0").queryParam("allow_patterns", "*.json")
                .queryParam("allow_patterns", "*.safetensors")
                .when().get("/v1/verify").then().statusCode(200)
                .body("revision", equalTo("v1.0"))
                .body("status", equalTo("COMPLETE"))
                .body("ref.key", equalTo("models--org--verified-at/refs/v1.0"))
                .body("files.expected", equalTo(2));
        given().queryParam("repo", "org/verified-at@v1.0").queryParam("revision", "v1.0")
                .when().get("/v1/verify").then().statusCode(200)
                .body("status", equalTo("INCOMPLETE"))
                .body("files.missing", equalTo(1))
                .body("missing[0].path", equalTo("README.md"));
    }
}
