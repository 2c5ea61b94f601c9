package dev.hubmirror.api.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.job.JobError;
import dev.hubmirror.job.JobEventType;
import dev.hubmirror.job.JobOrder;
import dev.hubmirror.job.JobOrigin;
import dev.hubmirror.job.JobOutcome;
import dev.hubmirror.job.JobProgress;
import dev.hubmirror.job.JobRecord;
import dev.hubmirror.job.JobSnapshot;
import dev.hubmirror.job.JobStatus;
import dev.hubmirror.job.JobTimes;
import dev.hubmirror.job.SnapshotWork;
import dev.hubmirror.testing.KafkaBroker;
import dev.hubmirror.transfer.MirrorSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The job-state store against a real broker: two stores on one topic stand for two replicas. */
class KafkaJobStateStoreTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final AtomicInteger TOPICS = new AtomicInteger();

    static KafkaBroker broker;
    static ExecutorService executor;
    static ObjectMapper json;

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.start();
        executor = Executors.newCachedThreadPool();
        json = new ObjectMapper().registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }

    @AfterAll
    static void stopBroker() {
        executor.shutdownNow();
        broker.close();
    }

    @Test
    void aJobSavedByOneReplicaIsReadByAnotherAfterSync() {
        // Given
        String topic = newTopic();
        try (KafkaJobStateStore a = store(topic, "a"); KafkaJobStateStore b = store(topic, "b")) {
            JobRecord running = record("job-1", "req-1", JobStatus.RUNNING, 2, "a", true);

            // When
            a.save(running).await().atMost(WAIT);
            b.sync().await().atMost(WAIT);

            // Then
            assertThat(b.find("job-1")).get().satisfies(r -> {
                assertThat(r.job().status()).isEqualTo(JobStatus.RUNNING);
                assertThat(((SnapshotWork) r.job().work()).ref()).isEqualTo(RepoRef.model("org/a", "main"));
                assertThat(((SnapshotWork) r.job().work()).include()).containsExactly("*.json");
                assertThat(r.shard()).isEqualTo(2);
                assertThat(r.instance()).isEqualTo("a");
                assertThat(r.tokenName()).isEqualTo("team-token");
                assertThat(r.admitted()).isTrue();
            });
            assertThat(b.list(Optional.of(JobStatus.RUNNING), 10)).extracting(JobRecord::id).containsExactly("job-1");
        }
    }

    @Test
    void anAcceptedRequestShowsItsJobsQueuedUntilTheirOwnRecordWins() {
        // Given
        String topic = newTopic();
        try (KafkaJobStateStore a = store(topic, "a"); KafkaJobStateStore b = store(topic, "b")) {
            JobRecord placeholder = record("job-2", "req-2", JobStatus.QUEUED, 1, null, false);

            // When
            a.saveAccepted("req-2", List.of(placeholder)).await().atMost(WAIT);
            b.sync().await().atMost(WAIT);

            // Then
            assertThat(b.requestSeen("req-2")).isTrue();
            assertThat(b.requestSeen("req-other")).isFalse();
            assertThat(b.find("job-2")).get().satisfies(r -> assertThat(r.admitted()).isFalse());

            // When the owner writes the job's own record, and the request is recorded again (a redelivery)
            JobRecord failed = record("job-2", "req-2", JobStatus.FAILED, 1, "b", true);
            b.save(failed).await().atMost(WAIT);
            a.saveAccepted("req-2", List.of(placeholder)).await().atMost(WAIT);
            a.sync().await().atMost(WAIT);

            // Then the job's own record still wins
            assertThat(a.find("job-2")).get().satisfies(r -> {
                assertThat(r.job().status()).isEqualTo(JobStatus.FAILED);
                assertThat(r.job().outcome().error()).isEqualTo(new JobError(Reason.GATED_REPO, "gated: ask for access"));
                assertThat(r.unannounced()).isTrue();
            });
        }
    }

    @Test
    void aCancelRequestReachesTheListenersOfEveryReplica() throws InterruptedException {
        // Given
        String topic = newTopic();
        try (KafkaJobStateStore a = store(topic, "a"); KafkaJobStateStore b = store(topic, "b")) {
            LinkedBlockingQueue<String> heard = new LinkedBlockingQueue<>();
            b.onCancelRequest(heard::add);

            // When
            a.requestCancel("job-3").await().atMost(WAIT);

            // Then
            assertThat(heard.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("job-3");
            b.sync().await().atMost(WAIT);
            assertThat(b.cancelRequested("job-3")).isTrue();
        }
    }

    @Test
    void aReplicaStartedLaterReadsEverythingBeforeItIsReady() {
        // Given
        String topic = newTopic();
        try (KafkaJobStateStore a = store(topic, "a")) {
            for (int i = 0; i < 20; i++) {
                a.save(record("job-" + i, "req", i % 2 == 0 ? JobStatus.SUCCEEDED : JobStatus.RUNNING, 0, "a", true)
                        .announced(JobEventType.SUCCEEDED)).await().atMost(WAIT);
            }

            // When
            try (KafkaJobStateStore late = store(topic, "late")) {
                late.sync().await().atMost(WAIT);

                // Then
                assertThat(late.ready()).isTrue();
                assertThat(late.all()).hasSize(20);
                assertThat(late.list(Optional.of(JobStatus.SUCCEEDED), 100)).hasSize(10);
            }
        }
    }

    private static KafkaJobStateStore store(String topic, String instance) {
        KafkaJobStateStore store = new KafkaJobStateStore(Map.of("bootstrap.servers", broker.bootstrapServers()), topic,
                instance, json, executor);
        store.start();
        return store;
    }

    private static String newTopic() {
        String topic = "job-state-" + TOPICS.incrementAndGet();
        broker.createTopics(List.of(new NewTopic(topic, 2, (short) 1)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))));
        return topic;
    }

    private static JobRecord record(String id, String requestId, JobStatus status, int shard, String instance,
            boolean admitted) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        JobOrder order = new JobOrder(id,
                new SnapshotWork(new MirrorSpec(RepoRef.model("org/a", "main"), List.of("*.json"), List.of())), null,
                "team-token", new JobOrigin(requestId, "team-search"), now, null, shard);
        JobSnapshot job = JobSnapshot.queued(order);
        if (status == JobStatus.FAILED) {
            job = job.finish(status, new JobError(Reason.GATED_REPO, "gated: ask for access"), now);
        } else if (status.finished()) {
            job = job.finish(status, null, now);
        } else if (status == JobStatus.RUNNING) {
            job = new JobSnapshot(id, job.origin(), job.work(), null, JobStatus.RUNNING, new JobProgress(1, 3, 0, 10, 30),
                    new JobTimes(now, now, null), new JobOutcome("c0ffee", null, null));
        }
        return new JobRecord(job, "team-token", shard, instance, admitted, JobEventType.ACCEPTED);
    }
}
