package dev.hubmirror.api.rest;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.hubmirror.testing.ApiKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

/** API keys on {@code /v1/*}: 401 without a known key, 403 for a read key that submits; OpenAPI stays open. */
@QuarkusTest
@TestProfile(ScriptedMirrorProfile.class)
class ApiAuthTest extends JobsApiTestSupport {

    private static final String SUBMISSION = "{\"models\": [\"org/auth\"]}";

    private static RequestSpecification as(String key) {
        return RestAssured.given().header("Authorization", ApiKeys.bearer(key));
    }

    @Test
    void refusesACallWithoutAuthorizationWith401AndABearerChallenge() {
        // When / Then
        RestAssured.given().when().get("/v1/jobs").then().statusCode(401)
                .header("WWW-Authenticate", containsString("Bearer"))
                .contentType(ContentType.JSON)
                .body("error.reason", equalTo("UNAUTHENTICATED"))
                .body("error.message", containsString("Authorization: Bearer"));
        RestAssured.given().contentType(ContentType.JSON).body(SUBMISSION).when().post("/v1/mirrors").then()
                .statusCode(401).body("error.reason", equalTo("UNAUTHENTICATED"));
        RestAssured.given().when().get("/v1/verify?repo=org/auth").then().statusCode(401);
        RestAssured.given().accept("text/event-stream").when().get("/v1/jobs/any/events").then().statusCode(401);
    }

    @Test
    void refusesAnUnknownKeyWith401WithoutEchoingIt() {
        // Given
        String wrong = "not-a-configured-key-0123456789";

        // When / Then
        as(wrong).when().get("/v1/jobs").then().statusCode(401)
                .header("WWW-Authenticate", containsString("Bearer"))
                .body("error.reason", equalTo("UNAUTHENTICATED"))
                .body(not(containsString(wrong)));
        RestAssured.given().header("Authorization", "Basic " + wrong).when().get("/v1/jobs").then().statusCode(401);
        RestAssured.given().header("Authorization", "Bearer ").when().get("/v1/jobs").then().statusCode(401);
    }

    @Test
    void aReadKeyReadsButCannotSubmitOrCancel() {
        // Given
        String id = submit(SUBMISSION, 0);

        // When / Then
        as(ApiKeys.READ).when().get("/v1/jobs").then().statusCode(200);
        as(ApiKeys.READ).when().get("/v1/jobs/" + id).then().statusCode(200).body("id", equalTo(id));
        as(ApiKeys.READ).contentType(ContentType.JSON).body(SUBMISSION).when().post("/v1/mirrors").then()
                .statusCode(403)
                .contentType(ContentType.JSON)
                .body("error.reason", equalTo("FORBIDDEN"))
                .body("error.message", containsString("submit role"));
        as(ApiKeys.READ).when().delete("/v1/jobs/" + id).then().statusCode(403)
                .body("error.reason", equalTo("FORBIDDEN"));
    }

    @Test
    void aSubmitKeySubmitsReadsAndCancels() {
        // When
        String id = as(ApiKeys.SUBMIT).contentType(ContentType.JSON).body(SUBMISSION).when().post("/v1/mirrors")
                .then().statusCode(202).extract().path("jobs[0].id");

        // Then
        as(ApiKeys.SUBMIT).when().get("/v1/jobs/" + id).then().statusCode(200);
        as(ApiKeys.SUBMIT).when().delete("/v1/jobs/" + id).then().statusCode(200)
                .body("status", equalTo("CANCELLED"));
    }

    @Test
    void theBearerSchemeIsCaseInsensitive() {
        // When / Then
        RestAssured.given().header("Authorization", "bearer " + ApiKeys.READ).when().get("/v1/jobs").then()
                .statusCode(200);
    }

    @Test
    void theOpenApiDocumentStaysOpen() {
        // When / Then: it describes the API, it holds no data
        RestAssured.given().when().get("/q/openapi").then().statusCode(200).body(containsString("/v1/mirrors"));
    }
}
