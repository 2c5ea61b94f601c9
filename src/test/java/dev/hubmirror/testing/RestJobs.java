package dev.hubmirror.testing;

import static dev.hubmirror.testing.ApiKeys.given;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;

/** Submits mirrors through the REST API and waits for their jobs, for Quarkus tests. */
public final class RestJobs {

    /** An upper bound for one small job in tests; not a timing assertion, only a guard against hanging forever. */
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final List<String> FINISHED = List.of("SUCCEEDED", "FAILED", "CANCELLED");

    private RestJobs() {
    }

    /** Submits one repo (a JSON object as {@code repos[]} takes it) and returns the job id. */
    public static String submit(String repoJson) {
        return given().contentType(ContentType.JSON).body("{\"repos\": [" + repoJson + "]}")
                .when().post("/v1/mirrors")
                .then().statusCode(202).extract().path("jobs[0].id");
    }

    /** Polls the job until it finished and returns its final JSON. */
    public static JsonPath awaitFinished(String id) {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (true) {
            JsonPath job = given().when().get("/v1/jobs/" + id).then().statusCode(200).extract().jsonPath();
            if (FINISHED.contains(job.getString("status"))) {
                return job;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("job " + id + " did not finish within " + LIMIT + ": " + job.prettify());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for job " + id, e);
            }
        }
    }

    /** Mirrors a repo and returns the job's final JSON. */
    public static JsonPath mirror(String repoJson) {
        return awaitFinished(submit(repoJson));
    }
}
