package dev.hubmirror.api.rest;

import static dev.hubmirror.testing.ApiKeys.given;

import dev.hubmirror.job.Job;
import dev.hubmirror.job.JobService;
import dev.hubmirror.job.JobStatus;
import dev.hubmirror.job.ScriptedSnapshotMirror;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;

/** Shared by the REST tests: the scripted mirror, the service, and a clean slate after each test. */
abstract class JobsApiTestSupport {

    @Inject
    ScriptedSnapshotMirror mirror;

    @Inject
    JobService service;

    @AfterEach
    void cancelWhatIsStillActive() {
        for (JobStatus status : new JobStatus[] {JobStatus.QUEUED, JobStatus.RUNNING}) {
            for (Job job : service.list(Optional.of(status), 1000)) {
                service.cancel(job.id());
            }
        }
        mirror.reset();
    }

    static ValidatableResponse post(String json) {
        return given().contentType(ContentType.JSON).body(json).when().post("/v1/mirrors").then();
    }

    static String submit(String json, int index) {
        return post(json).statusCode(202).extract().path("jobs[" + index + "].id");
    }

    int jobCount() {
        return service.list(Optional.empty(), 1000).size();
    }
}
