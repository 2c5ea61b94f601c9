package dev.hubmirror.api.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.job.JobError;
import dev.hubmirror.job.JobEventType;
import dev.hubmirror.job.JobOrder;
import dev.hubmirror.job.JobOrigin;
import dev.hubmirror.job.JobRecord;
import dev.hubmirror.job.JobSnapshot;
import dev.hubmirror.job.JobStateView;
import dev.hubmirror.job.JobStatus;
import dev.hubmirror.job.SnapshotWork;
import dev.hubmirror.transfer.MirrorSpec;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The job-state topic's records applied to a view, without a broker: what every replica does with what it reads. */
class JobStateTopicTest {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    private final JobStateView view = new JobStateView();
    private final List<String> cancels = new CopyOnWriteArrayList<>();
    private final JobStateTopic topic = new JobStateTopic(JSON, view, cancels::add);

    @Test
    void aJobRecordReadBackIsTheRecordThatWasWritten() throws Exception {
        // Given
        JobRecord failed = record("job-1", T0).with(queued("job-1", T0).finish(JobStatus.FAILED,
                new JobError(Reason.GATED_REPO, "gated: ask for access"), T0.plusSeconds(5)));

        // When
        apply(JobStateTopic.job(failed));

        // Then
        assertThat(view.find("job-1")).contains(failed);
        assertThat(view.list(Optional.of(JobStatus.FAILED), 10)).containsExactly(failed);
    }

    @Test
    void anAcceptedRequestShowsPlaceholdersUntilEachJobsOwnRecordWinsEvenIfTheRequestComesAgain() throws Exception {
        // Given
        JobRecord placeholder = record("job-2", T0);
        apply(JobStateTopic.accepted("req-2", T0, List.of(placeholder, record("job-3", T0))));
        assertThat(view.requestSeen("req-2")).isTrue();
        assertThat(view.find("job-2")).get().satisfies(r -> assertThat(r.admitted()).isFalse());

        // When the owner writes job-2's own record, then the request is read again (a redelivery)
        JobRecord admitted = new JobRecord(queued("job-2", T0), null, 1, "replica-b", true, JobEventType.ACCEPTED);
        apply(JobStateTopic.job(admitted));
        apply(JobStateTopic.accepted("req-2", T0, List.of(placeholder)));

        // Then
        assertThat(view.find("job-2")).contains(admitted);
        assertThat(view.all()).hasSize(2);
    }

    @Test
    void aCancelRequestIsNewsOnceAndATombstoneWithdrawsIt() throws Exception {
        // When
        apply(JobStateTopic.cancel("job-4", T0));
        apply(JobStateTopic.cancel("job-4", T0));

        // Then
        assertThat(cancels).containsExactly("job-4");
        assertThat(view.cancelRequested("job-4")).isTrue();

        // When
        topic.apply(JobStateTopic.CANCEL + "job-4", null);

        // Then
        assertThat(view.cancelRequested("job-4")).isFalse();
    }

    @Test
    void tombstonesRemoveJobsAndRequests() throws Exception {
        // Given
        apply(JobStateTopic.job(record("job-5", T0)));
        apply(JobStateTopic.accepted("req-5", T0, List.of()));

        // When
        topic.apply(JobStateTopic.JOB + "job-5", null);
        topic.apply(JobStateTopic.REQUEST + "req-5", null);

        // Then
        assertThat(view.find("job-5")).isEmpty();
        assertThat(view.requestSeen("req-5")).isFalse();
    }

    @Test
    void recordsWithoutAKeyOrWithAnUnknownKeyChangeNothingAndAnUnreadableOneIsRefused() throws Exception {
        // When
        topic.apply(null, "{}");
        topic.apply("other/x", "{}");

        // Then
        assertThat(view.all()).isEmpty();
        assertThatThrownBy(() -> topic.apply(JobStateTopic.JOB + "job-6", "{not json"))
                .isInstanceOf(JsonProcessingException.class);
        assertThatThrownBy(() -> topic.apply(JobStateTopic.JOB + "job-7", "{\"repo\": \"no such/../repo\"}"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void finishedJobsAndOldRequestsAreForgottenAfterTheCutoff() throws Exception {
        // Given
        JobRecord old = record("job-8", T0).with(queued("job-8", T0).finish(JobStatus.SUCCEEDED, null,
                T0.plusSeconds(1)));
        JobRecord recent = record("job-9", T0.plusSeconds(100));
        apply(JobStateTopic.job(old));
        apply(JobStateTopic.job(recent));
        apply(JobStateTopic.accepted("req-old", T0, List.of(record("job-10", T0))));

        // When
        view.forgetFinishedBefore(T0.plusSeconds(50));

        // Then
        assertThat(view.all()).containsExactly(recent);
        assertThat(view.requestSeen("req-old")).isFalse();
        assertThat(view.retained().count()).isEqualTo(1);
    }

    private void apply(JobStateTopic.Entry entry) throws JsonProcessingException {
        topic.apply(entry.key(), JSON.writeValueAsString(entry.value()));
    }

    private static JobSnapshot queued(String id, Instant at) {
        return JobSnapshot.queued(new JobOrder(id, new SnapshotWork(new MirrorSpec(RepoRef.model("org/a", "main"),
                List.of("*.json"), List.of())), null, "team-token", new JobOrigin("req", "team"), at, null, 0));
    }

    private static JobRecord record(String id, Instant at) {
        return new JobRecord(queued(id, at), "team-token", 0, null, false, JobEventType.ACCEPTED);
    }
}
