package dev.hubmirror.api.rest;

import static dev.hubmirror.testing.ApiKeys.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.hubmirror.sim.SimCommit;
import dev.hubmirror.sim.SimRepo;
import dev.hubmirror.testing.RestJobs;
import dev.hubmirror.testing.SimulatedHub;
import dev.hubmirror.testing.SimulatedHubProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/jobs/{id}/events} against a real mirror (Hub simulator, directory store). */
@QuarkusTest
@TestProfile(SimulatedHubProfile.class)
class JobEventsTest {

    SimulatedHub hub;

    @Test
    void followsARunningJobUntilItSucceedsThenTheStreamEnds() {
        // Given: a job of a few parts, followed from the moment it was submitted
        SimRepo repo = hub.sim().model("org/followed");
        SimCommit c = repo.commit().lfsFile("weights.bin", 4 * 1024 * 1024 + 1, 7).textFile("config.json", "{}");
        repo.branch("main", c);
        String id = RestJobs.submit("{\"id\": \"org/followed\"}");

        // When: the whole stream is read (it ends by itself)
        List<SseEvent> events = SseEvent.parse(given().accept("text/event-stream").when()
                .get("/v1/jobs/" + id + "/events").then().statusCode(200).extract().asString());

        // Then: a status event first, the last one shows the job succeeded with every file, counters never go back
        assertThat(events).isNotEmpty();
        assertThat(events.get(0).name()).isEqualTo("status");
        JsonPath last = events.get(events.size() - 1).json();
        assertThat(events.get(events.size() - 1).name()).isEqualTo("status");
        assertThat(last.getString("id")).isEqualTo(id);
        assertThat(last.getString("status")).isEqualTo("SUCCEEDED");
        assertThat(last.getInt("files.done")).isEqualTo(2);
        assertThat(last.getString("commit")).isEqualTo(c.sha());
        long previous = -1;
        for (SseEvent event : events) {
            assertThat(event.json().getString("repo")).isEqualTo("org/followed");
            long done = event.json().getLong("bytes.done");
            assertThat(done).isGreaterThanOrEqualTo(previous);
            previous = done;
        }
        assertThat(events.stream().filter(e -> e.json().getString("status").equals("SUCCEEDED"))).hasSize(1);
    }

    @Test
    void aFinishedJobGivesOneEventAndAnUnknownJobA404() {
        // Given
        JsonPath finished = RestJobs.mirror("{\"id\": \"org/not-on-the-hub\"}");

        // When
        List<SseEvent> events = SseEvent.parse(given().accept("text/event-stream").when()
                .get("/v1/jobs/" + finished.getString("id") + "/events").then().statusCode(200).extract().asString());

        // Then
        assertThat(events).hasSize(1);
        assertThat(events.get(0).json().getString("status")).isEqualTo("FAILED");
        assertThat(events.get(0).json().getString("error.reason")).isEqualTo("REPO_NOT_FOUND");
        given().accept("text/event-stream").when().get("/v1/jobs/no-such-job/events").then().statusCode(404)
                .body("error.reason", equalTo("JOB_NOT_FOUND"));
    }

    /** One server-sent event: its name and its JSON data. */
    record SseEvent(String name, JsonPath json) {

        static List<SseEvent> parse(String stream) {
            List<SseEvent> events = new ArrayList<>();
            String name = "message";
            StringBuilder data = new StringBuilder();
            for (String line : (stream + "\n\n").split("\r?\n", -1)) {
                if (line.isEmpty()) {
                    if (data.length() > 0) {
                        events.add(new SseEvent(name, new JsonPath(data.toString())));
                    }
                    name = "message";
                    data.setLength(0);
                } else if (line.startsWith("event:")) {
                    name = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).trim());
                }
            }
            return events;
        }
    }
}
