package dev.hubmirror.api.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.job.JobError;
import dev.hubmirror.job.JobEventType;
import dev.hubmirror.job.JobOrigin;
import dev.hubmirror.job.JobOutcome;
import dev.hubmirror.job.JobProgress;
import dev.hubmirror.job.JobRecord;
import dev.hubmirror.job.JobSnapshot;
import dev.hubmirror.job.JobStatus;
import dev.hubmirror.job.JobTimes;
import dev.hubmirror.job.SnapshotWork;
import io.smallrye.reactive.messaging.kafka.fault.KafkaDeadLetterQueue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** docs/asyncapi.yaml and docs/kafka.md agree with what the code writes. */
class KafkaDocsTest {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule());
    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    @Test
    void everyFieldTheAsyncApiDocumentMarksRequiredIsInEveryEventOfThatKind() throws IOException {
        // Given
        JsonNode schemas = new ObjectMapper(new YAMLFactory()).readTree(Path.of("docs/asyncapi.yaml").toFile())
                .path("components").path("schemas");

        // When: the events of a request without a requester, a failure before the revision was resolved
        JsonNode accepted = event(JobEventType.ACCEPTED, job(JobStatus.QUEUED, null, null, null));
        JsonNode succeeded = event(JobEventType.SUCCEEDED, job(JobStatus.SUCCEEDED, "c".repeat(40),
                "s3://b/p/models--org--name/snapshots/" + "c".repeat(40) + "/", null));
        JsonNode failed = event(JobEventType.FAILED, job(JobStatus.FAILED, null, null,
                new JobError(Reason.REVISION_NOT_FOUND, "revision not found")));
        JsonNode cancelled = event(JobEventType.CANCELLED, job(JobStatus.CANCELLED, null, null,
                new JobError(Reason.CANCELLED, "cancelled by a caller")));

        // Then
        assertThat(fieldsOf(accepted)).containsAll(required(schemas, "AcceptedEvent"));
        assertThat(fieldsOf(succeeded)).containsAll(required(schemas, "SucceededEvent"));
        assertThat(fieldsOf(failed)).containsAll(required(schemas, "FailedEvent"));
        assertThat(fieldsOf(cancelled)).containsAll(required(schemas, "FailedEvent"));
        assertThat(required(schemas, "SucceededEvent")).contains("snapshotUrl", "commit", "eventId", "time");
        assertThat(required(schemas, "FailedEvent")).contains("reason", "message").doesNotContain("commit");
        assertThat(schemas.path("MirrorEvent").path("properties").fieldNames()).toIterable()
                .containsExactlyInAnyOrderElementsOf(List.of(MirrorEvent.class.getRecordComponents()).stream()
                        .map(c -> c.getName()).toList());
    }

    @Test
    void kafkaMdListsEveryDeadLetterHeaderTheServiceAndTheConnectorWrite() throws IOException {
        // Given
        String doc = Files.readString(Path.of("docs/kafka.md"));
        String asyncapi = Files.readString(Path.of("docs/asyncapi.yaml"));

        // When / Then
        for (String header : List.of(RequestConsumer.REASON_HEADER, RequestConsumer.REQUEST_ID_HEADER,
                KafkaDeadLetterQueue.DEAD_LETTER_REASON, KafkaDeadLetterQueue.DEAD_LETTER_EXCEPTION_CLASS_NAME,
                KafkaDeadLetterQueue.DEAD_LETTER_CAUSE, KafkaDeadLetterQueue.DEAD_LETTER_CAUSE_CLASS_NAME,
                KafkaDeadLetterQueue.DEAD_LETTER_TOPIC, KafkaDeadLetterQueue.DEAD_LETTER_PARTITION,
                KafkaDeadLetterQueue.DEAD_LETTER_OFFSET)) {
            assertThat(doc).as("docs/kafka.md").contains("| `" + header + "` |");
            assertThat(asyncapi).as("docs/asyncapi.yaml").contains(header + ":");
        }
    }

    private static JobRecord job(JobStatus status, String commit, String snapshotUrl, JobError error) {
        boolean finished = status.finished();
        JobSnapshot job = new JobSnapshot("job-1", new JobOrigin("request-1", null),
                SnapshotWork.of(RepoRef.model("org/name", "main")), null, status,
                new JobProgress(finished ? 3 : 0, finished ? 3 : 0, 0, 10, 10),
                new JobTimes(T0, finished ? T0.plusSeconds(1) : null, finished ? T0.plusSeconds(5) : null),
                new JobOutcome(commit, snapshotUrl, error));
        return new JobRecord(job, null, 0, "replica-a", true, JobEventType.ACCEPTED);
    }

    private static JsonNode event(JobEventType type, JobRecord record) {
        return JSON.valueToTree(MirrorEvent.of(type, record));
    }

    private static Set<String> fieldsOf(JsonNode event) {
        Set<String> names = new LinkedHashSet<>();
        event.fields().forEachRemaining(f -> {
            if (!f.getValue().isNull()) {
                names.add(f.getKey());
            }
        });
        return names;
    }

    /** The base schema's required fields plus those the kind's allOf adds. */
    private static Set<String> required(JsonNode schemas, String kind) {
        Set<String> names = new LinkedHashSet<>();
        schemas.path("MirrorEvent").path("required").forEach(n -> names.add(n.asText()));
        for (JsonNode part : schemas.path(kind).path("allOf")) {
            part.path("required").forEach(n -> names.add(n.asText()));
        }
        return names;
    }
}
