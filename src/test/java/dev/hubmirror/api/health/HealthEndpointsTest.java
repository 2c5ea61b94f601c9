package dev.hubmirror.api.health;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.hubmirror.testing.SimulatedHubProfile;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import org.junit.jupiter.api.Test;

/** The health endpoints on the management interface of the running service. */
@QuarkusTest
@TestProfile(SimulatedHubProfile.class)
class HealthEndpointsTest {

    @TestHTTPResource(value = "health/ready", management = true)
    URL ready;

    @TestHTTPResource(value = "health/live", management = true)
    URL live;

    @Test
    void readinessShowsTheStoreWritableTheHubReachableAndNoTokenToCheck() {
        given().when().get(ready).then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'store' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'store' }.data.kind", equalTo("file"))
                .body("checks.find { it.name == 'hub' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'hub' }.data.reachable", equalTo(true))
                .body("checks.find { it.name == 'hub-token' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'hub-token' }.data.token", equalTo("none"));
    }

    @Test
    void livenessIsUpAndCountsJobs() {
        given().when().get(live).then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("hub-mirror"))
                .body("checks.find { it.name == 'hub-mirror' }.data.jobsRunning", equalTo(0));
    }
}
