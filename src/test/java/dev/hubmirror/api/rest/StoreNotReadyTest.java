package dev.hubmirror.api.rest;

import static dev.hubmirror.testing.ApiKeys.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.hubmirror.testing.Poll;
import dev.hubmirror.testing.SimulatedHub;
import dev.hubmirror.testing.SimulatedHubProfile;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Readiness says the store is DOWN, so submissions say so too: a 503 naming the store's problem, and no job that
 * would only fail later. The store is the real directory store, made unusable by putting a file where its root
 * directory was.
 */
@QuarkusTest
@TestProfile(SimulatedHubProfile.class)
class StoreNotReadyTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    SimulatedHub hub;

    @TestHTTPResource(value = "health/ready", management = true)
    URL ready;

    @Test
    void aSubmissionWhileTheStoreIsDownAnswers503NamingTheStoresProblemAndCreatesNoJob() throws IOException {
        // Given a store whose root directory became a file, and readiness reporting it
        Path root = hub.storeRoot();
        Path away = root.resolveSibling(root.getFileName() + "-away");
        Files.move(root, away);
        Files.writeString(root, "not a directory");
        try {
            awaitStore("DOWN");

            // When
            var answer = given().contentType(ContentType.JSON).body("{\"models\": [\"org/store-down\"]}")
                    .when().post("/v1/mirrors").then();

            // Then
            answer.statusCode(503)
                    .contentType(ContentType.JSON)
                    .header("Retry-After", not(equalTo("")))
                    .body("error.reason", equalTo("STORE_NOT_READY"))
                    .body("error.message", containsString("the store " + root.toUri()))
                    .body("error.message", containsString("is not ready"))
                    .body("error.message", containsString("nothing was submitted"));
            assertThat(given().when().get("/v1/jobs?limit=1000").then().statusCode(200).extract().asString())
                    .doesNotContain("org/store-down");
        } finally {
            Files.delete(root);
            Files.move(away, root);
        }
        // and once the store is back, readiness is UP again
        awaitStore("UP");
    }

    private void awaitStore(String status) {
        Poll.until(() -> {
            String body = RestAssured.given().when().get(ready).then().extract().asString();
            String store = JsonPath.from(body).getString("checks.find { it.name == 'store' }.status");
            return status.equals(store) ? Optional.of(true) : Optional.empty();
        }, WAIT, "store readiness " + status, () -> "");
    }
}
