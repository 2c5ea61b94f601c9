package dev.hubmirror.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hubmirror.config.JobConfig;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.failure.RetryLaterException;
import dev.hubmirror.hub.HfRepoId;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.hub.RepoType;
import dev.hubmirror.transfer.MirrorOutcome;
import dev.hubmirror.transfer.MirrorSpec;
import dev.hubmirror.transfer.SnapshotMirror;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class JobServiceTest {

    private static Vertx vertx;

    private final ScriptedSnapshotMirror mirror = new ScriptedSnapshotMirror();

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void startsJobAtOnceWhenASlotIsFree() {
        // Given
        JobService service = service(2, 10, mirror);

        // When
        List<Job> jobs = service.submit(List.of(model("org/a")));

        // Then
        assertThat(jobs).singleElement().satisfies(job -> {
            assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
            assertThat(job.startedAt()).isNotNull();
        });
        assertThat(mirror.started("org/a")).isTrue();
    }

    @Test
    void tracksProgressCallbacksAndSucceedsWithTheOutcome() {
        // Given
        JobService service = service(1, 10, mirror);
        Job job = service.submit(List.of(model("org/a"))).get(0);
        ScriptedSnapshotMirror.Run run = mirror.run("org/a");

        // When
        run.progress().planned("c0ffee", 3, 300);
        run.progress().transferred(40);
        run.progress().transferred(60);
        run.progress().fileDone("config.json", 100, false);
        run.progress().fileDone("model.safetensors", 150, true);

        // Then
        assertThat(job.commit()).isEqualTo("c0ffee");
        assertThat(job.filesTotal()).isEqualTo(3);
        assertThat(job.filesDone()).isEqualTo(2);
        assertThat(job.filesSkipped()).isEqualTo(1);
        assertThat(job.bytesTotal()).isEqualTo(300);
        assertThat(job.bytesDone()).isEqualTo(250);

        // When
        run.succeed("c0ffee", 3, 300);

        // Then
        assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job.snapshotUrl()).endsWith("/snapshots/c0ffee");
        assertThat(job.error()).isNull();
        assertThat(job.finishedAt()).isNotNull();
    }

    @Test
    void keepsSecondJobQueuedUntilTheFirstFinishesWhenConcurrencyIsOne() {
        // Given
        JobService service = service(1, 10, mirror);
        Job first = service.submit(List.of(model("org/a"))).get(0);

        // When
        Job second = service.submit(List.of(model("org/b"))).get(0);

        // Then
        assertThat(second.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(mirror.started("org/b")).isFalse();

        // When
        mirror.run("org/a").succeed("c1", 0, 0);

        // Then
        assertThat(first.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(second.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(mirror.started("org/b")).isTrue();
    }

    @Test
    void answersTheActiveJobForAnIdenticalSubmission() {
        // Given
        JobService service = service(1, 10, mirror);
        Job running = service.submit(List.of(repo("org/a", "main", List.of("*.json", "*.md")))).get(0);
        Job queued = service.submit(List.of(model("org/b"))).get(0);

        // When
        List<Job> again = service.submit(List.of(repo("org/a", "main", List.of("*.md", "*.json")), model("org/b"),
                model("org/b")));

        // Then
        assertThat(again).containsExactly(running, queued, queued);
        assertThat(service.list(Optional.empty(), 100)).hasSize(2);
        assertThat(mirror.runs()).hasSize(1);
    }

    @Test
    void aSubmissionNamingATargetAndATokenRunsOnThatMirrorAndIsNotTheSameJobAsTheDefaultOne() {
        // Given: mirrors for the default store and for target "archive", recording which token name each job asked for
        List<String> asked = new CopyOnWriteArrayList<>();
        SnapshotMirrors mirrors = new SnapshotMirrors() {
            @Override
            public SnapshotMirror mirror(String target, String tokenName) {
                check(target, tokenName);
                asked.add(target + "/" + tokenName);
                return mirror;
            }

            @Override
            public Set<String> targets() {
                return Set.of("archive");
            }

            @Override
            public Set<String> tokens() {
                return Set.of("team");
            }
        };
        JobService service = new JobService(jobConfig(2, 10), mirrors, vertx);

        // When
        Job named = service.submit(List.of(model("org/a")), "archive", "team").get(0);
        Job plain = service.submit(List.of(model("org/a"))).get(0);
        Job again = service.submit(List.of(model("org/a")), "archive", null).get(0);

        // Then
        assertThat(named.target()).isEqualTo("archive");
        assertThat(named.tokenName()).isEqualTo("team");
        assertThat(named.snapshot().target()).isEqualTo("archive");
        assertThat(plain).isNotSameAs(named);
        assertThat(again).as("the token name is not part of what makes two jobs the same").isSameAs(named);
        assertThat(asked).containsExactly("archive/team", "null/null");
        assertThatThrownBy(() -> service.submit(List.of(model("org/b")), "nowhere", null))
                .isInstanceOfSatisfying(MirrorException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.INVALID_REQUEST);
                    assertThat(e.getMessage()).contains("unknown target 'nowhere'").contains("archive");
                });
        assertThatThrownBy(() -> service.submit(List.of(model("org/b")), null, "nobody"))
                .isInstanceOfSatisfying(MirrorException.class,
                        e -> assertThat(e.getMessage()).contains("unknown token name 'nobody'"));
        assertThat(service.list(Optional.empty(), 100)).hasSize(2);
    }

    @Test
    void startsANewJobForTheSameRepoOnceTheEarlierOneFinished() {
        // Given
        JobService service = service(1, 10, mirror);
        Job first = service.submit(List.of(model("org/a"))).get(0);
        mirror.run("org/a").fail(new MirrorException(Reason.HUB_UNAVAILABLE, "hub answered 503"));

        // When
        Job second = service.submit(List.of(model("org/a"))).get(0);

        // Then
        assertThat(second).isNotSameAs(first);
        assertThat(second.status()).isEqualTo(JobStatus.RUNNING);
    }

    @Test
    void treatsDifferentRevisionsOrPatternsAsDifferentJobs() {
        // Given
        JobService service = service(4, 10, mirror);

        // When
        List<Job> jobs = service.submit(List.of(repo("org/a", "main", List.of()), repo("org/a", "v1", List.of()),
                repo("org/a", "main", List.of("*.json"))));

        // Then
        assertThat(jobs).doesNotHaveDuplicates();
        assertThat(mirror.runs()).hasSize(3);
    }

    @Test
    void refusesTheWholeSubmissionWhenItsJobsDoNotFitTheQueue() {
        // Given
        JobService service = service(1, 2, mirror);
        service.submit(List.of(model("org/running"), model("org/waiting")));

        // When / Then
        assertThatThrownBy(() -> service.submit(List.of(model("org/x"), model("org/y"))))
                .isInstanceOfSatisfying(MirrorException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.QUEUE_FULL);
                    assertThat(e.getMessage()).contains("1 jobs waiting", "capacity 2", "nothing was enqueued");
                });
        assertThat(service.list(Optional.empty(), 100)).extracting(job -> ((SnapshotWork) job.work()).ref().id().id())
                .containsExactlyInAnyOrder("org/running", "org/waiting");

        // When: a submission that fits, or only names active jobs, is still accepted
        assertThat(service.submit(List.of(model("org/x"), model("org/waiting")))).hasSize(2);
    }

    @Test
    void recordsTheReasonAndMessageOfAMirrorFailure() {
        // Given
        JobService service = service(1, 10, mirror);
        Job job = service.submit(List.of(model("org/gated"))).get(0);

        // When
        mirror.run("org/gated").fail(new MirrorException(Reason.GATED_REPO, "org/gated is gated: set HF_TOKEN"));

        // Then
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.error()).isEqualTo(new JobError(Reason.GATED_REPO, "org/gated is gated: set HF_TOKEN"));
        assertThat(job.finishedAt()).isNotNull();
    }

    @Test
    void recordsAnUnexpectedFailureAsInternalNamingTheExceptionType() {
        // Given
        JobService service = service(1, 10, mirror);
        Job job = service.submit(List.of(model("org/a"))).get(0);

        // When
        mirror.run("org/a").fail(new IllegalStateException("boom"));

        // Then
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.error().reason()).isEqualTo(Reason.INTERNAL);
        assertThat(job.error().message()).contains("java.lang.IllegalStateException", "boom");
    }

    @Test
    void failsTheJobAndFreesTheSlotWhenTheMirrorThrowsInsteadOfFailing() {
        // Given
        SnapshotMirror broken = (spec, progress) -> {
            throw new MirrorException(Reason.STORE_ACCESS_DENIED, "bucket b: access denied");
        };
        JobService service = service(1, 10, broken);

        // When
        List<Job> jobs = service.submit(List.of(model("org/a"), model("org/b")));

        // Then
        assertThat(jobs).allSatisfy(job -> {
            assertThat(job.status()).isEqualTo(JobStatus.FAILED);
            assertThat(job.error().reason()).isEqualTo(Reason.STORE_ACCESS_DENIED);
        });
    }

    @Test
    void runsAQueueOfMirrorsThatCompleteSynchronouslyOneAfterAnother() {
        // Given
        SnapshotMirror instant = (spec, progress) -> Uni.createFrom().item(
                new MirrorOutcome("c", "file:///s", 0, 0, 0, 0));
        JobService service = service(1, 500, instant);
        List<SnapshotWork> specs = IntStream.range(0, 500).mapToObj(i -> model("org/m" + i)).toList();

        // When
        List<Job> jobs = service.submit(specs);

        // Then
        assertThat(jobs).hasSize(500).allSatisfy(job -> assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED));
    }

    @Test
    void cancelsAQueuedJobWithoutEverStartingIt() {
        // Given
        JobService service = service(1, 10, mirror);
        Job running = service.submit(List.of(model("org/a"))).get(0);
        Job queued = service.submit(List.of(model("org/b"))).get(0);

        // When
        Job cancelled = service.cancel(queued.id());

        // Then
        assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(cancelled.error().reason()).isEqualTo(Reason.CANCELLED);
        mirror.run("org/a").succeed("c", 0, 0);
        assertThat(running.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(mirror.started("org/b")).isFalse();
    }

    @Test
    void cancelsARunningJobByUnsubscribingAndStartsTheNext() {
        // Given
        JobService service = service(1, 10, mirror);
        Job running = service.submit(List.of(model("org/a"))).get(0);
        Job queued = service.submit(List.of(model("org/b"))).get(0);
        ScriptedSnapshotMirror.Run run = mirror.run("org/a");

        // When
        service.cancel(running.id());

        // Then
        assertThat(run.cancelled()).isTrue();
        assertThat(running.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(running.finishedAt()).isNotNull();
        assertThat(queued.status()).isEqualTo(JobStatus.RUNNING);
    }

    @Test
    void ignoresProgressAndCompletionThatArriveAfterCancellation() {
        // Given
        JobService service = service(1, 10, mirror);
        Job job = service.submit(List.of(model("org/a"))).get(0);
        ScriptedSnapshotMirror.Run run = mirror.run("org/a");
        run.progress().planned("c", 2, 20);
        service.cancel(job.id());

        // When
        run.progress().transferred(10);
        run.progress().fileDone("a", 10, false);
        run.succeed("c", 2, 20);

        // Then
        assertThat(job.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(job.bytesDone()).isZero();
        assertThat(job.filesDone()).isZero();
    }

    @Test
    void refusesToCancelAFinishedJobOrAnUnknownId() {
        // Given
        JobService service = service(1, 10, mirror);
        Job job = service.submit(List.of(model("org/a"))).get(0);
        mirror.run("org/a").succeed("c", 0, 0);

        // When / Then
        assertThatThrownBy(() -> service.cancel(job.id())).isInstanceOfSatisfying(MirrorException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.JOB_FINISHED);
            assertThat(e.getMessage()).contains(job.id(), "SUCCEEDED");
        });
        assertThatThrownBy(() -> service.cancel("nope")).isInstanceOfSatisfying(MirrorException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.JOB_NOT_FOUND));
        assertThatThrownBy(() -> service.get("nope")).isInstanceOfSatisfying(MirrorException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.JOB_NOT_FOUND));
    }

    @Test
    void listsNewestFirstFilteredByStatusAndLimited() {
        // Given
        JobService service = service(1, 10, mirror);
        Job a = service.submit(List.of(model("org/a"))).get(0);
        Job b = service.submit(List.of(model("org/b"))).get(0);
        Job c = service.submit(List.of(model("org/c"))).get(0);

        // When / Then
        assertThat(service.list(Optional.empty(), 100)).containsExactly(c, b, a);
        assertThat(service.list(Optional.of(JobStatus.QUEUED), 100)).containsExactly(c, b);
        assertThat(service.list(Optional.of(JobStatus.RUNNING), 100)).containsExactly(a);
        assertThat(service.list(Optional.empty(), 2)).containsExactly(c, b);
    }

    @Test
    void forgetsFinishedJobsOlderThanTheCutoffOnly() {
        // Given
        JobService service = service(2, 10, mirror);
        Job finished = service.submit(List.of(model("org/a"))).get(0);
        Job running = service.submit(List.of(model("org/b"))).get(0);
        mirror.run("org/a").succeed("c", 0, 0);

        // When
        service.purgeFinishedBefore(finished.finishedAt());

        // Then
        assertThat(service.get(finished.id())).isSameAs(finished);

        // When
        service.purgeFinishedBefore(Instant.now().plusSeconds(1));

        // Then
        assertThatThrownBy(() -> service.get(finished.id())).isInstanceOf(MirrorException.class);
        assertThat(service.get(running.id())).isSameAs(running);
    }

    @Test
    void stopCancelsRunningAndQueuedJobsAndRefusesNewOnes() {
        // Given
        JobService service = service(1, 10, mirror);
        Job running = service.submit(List.of(model("org/a"))).get(0);
        Job queued = service.submit(List.of(model("org/b"))).get(0);

        // When
        service.stop();

        // Then
        assertThat(mirror.run("org/a").cancelled()).isTrue();
        assertThat(List.of(running, queued)).allSatisfy(job -> {
            assertThat(job.status()).isEqualTo(JobStatus.CANCELLED);
            assertThat(job.error().message()).contains("service stopped");
        });
        assertThat(mirror.started("org/b")).isFalse();
        assertThatThrownBy(() -> service.submit(List.of(model("org/c"))))
                .isInstanceOfSatisfying(MirrorException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.SHUTTING_DOWN));
    }

    @Test
    void refusesASubmissionBeyondTheRetainedJobRecordsUntilFinishedJobsAreForgotten() {
        // Given: room for three job records; one finished, two running
        JobService service = service(3, 10, mirror, Map.of("mirror.jobs.max-retained", "3"));
        Job finished = service.submit(List.of(model("org/a"))).get(0);
        service.submit(List.of(model("org/b"), model("org/c")));
        mirror.run("org/a").succeed("c", 0, 0);

        // When / Then: a fourth record does not fit, nothing is submitted, Retry-After is when org/a is forgotten
        assertThatThrownBy(() -> service.submit(List.of(model("org/d"))))
                .isInstanceOfSatisfying(RetryLaterException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_JOBS);
                    assertThat(e.getMessage()).contains("mirror.jobs.max-retained", "keeps 3 job records",
                            "nothing was submitted");
                    assertThat(e.retryAfter()).isBetween(Duration.ofHours(23), Duration.ofHours(24));
                });
        assertThat(service.retained().count()).isEqualTo(3);
        assertThat(mirror.started("org/d")).isFalse();

        // When the finished job is forgotten
        service.purgeFinishedBefore(finished.finishedAt().plusMillis(1));

        // Then there is room again
        assertThat(service.submit(List.of(model("org/d")))).hasSize(1);
    }

    @Test
    void countsTheBytesOfKeptJobRecordsAndRefusesWhatWouldExceedThem() {
        // Given: job records of about 1 KiB each and 8 KiB for all of them
        JobService service = service(1, 100, mirror, Map.of("mirror.jobs.max-retained-bytes", "8K"));
        List<String> patterns = IntStream.range(0, 10).mapToObj(i -> "p" + "x".repeat(100) + i).toList();

        // When: submissions with patterns until refused
        int accepted = 0;
        MirrorException refusal = null;
        for (int i = 0; i < 20 && refusal == null; i++) {
            try {
                service.submit(List.of(repo("org/r" + i, "main", patterns)));
                accepted++;
            } catch (MirrorException e) {
                refusal = e;
            }
        }

        // Then
        assertThat(accepted).isBetween(2, 7);
        assertThat(refusal).isNotNull().extracting(MirrorException::reason).isEqualTo(Reason.TOO_MANY_JOBS);
        assertThat(refusal.getMessage()).contains("mirror.jobs.max-retained-bytes");
        assertThat(service.retained().bytes()).isPositive().isLessThanOrEqualTo(8 << 10);
        assertThat(service.retained().count()).isEqualTo(accepted);
    }

    @Test
    void refusesASubmissionThatAloneExceedsTheRetainedBytesAsTooLarge() {
        // Given
        JobService service = service(1, 100, mirror, Map.of("mirror.jobs.max-retained-bytes", "4K"));
        List<String> patterns = IntStream.range(0, 40).mapToObj(i -> "pattern-" + "y".repeat(60) + i).toList();

        // When / Then
        assertThatThrownBy(() -> service.submit(List.of(repo("org/big", "main", patterns))))
                .isInstanceOfSatisfying(MirrorException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.REQUEST_TOO_LARGE);
                    assertThat(e.getMessage()).contains("mirror.jobs.max-retained-bytes", "nothing was submitted");
                });
        assertThat(service.retained()).isEqualTo(new RetainedJobs(0, 0, null));
    }

    @Test
    void theKeptBytesGoBackToZeroOnceEveryJobIsForgotten() {
        // Given
        JobService service = service(2, 10, mirror);
        service.submit(List.of(model("org/a"), model("org/b"), model("org/c")));
        mirror.run("org/a").succeed("c", 1, 1);
        mirror.run("org/b").fail(new MirrorException(Reason.HUB_PROTOCOL, "a long message ".repeat(50)));
        service.cancel(service.list(Optional.of(JobStatus.RUNNING), 10).get(0).id());
        assertThat(service.retained().bytes()).isGreaterThan(3 * JobFootprint.RECORD);

        // When
        service.purgeFinishedBefore(Instant.now().plusSeconds(1));

        // Then
        assertThat(service.retained()).isEqualTo(new RetainedJobs(0, 0, null));
    }

    private JobService service(int concurrency, int queueCapacity, SnapshotMirror snapshotMirror) {
        return service(concurrency, queueCapacity, snapshotMirror, Map.of());
    }

    private JobService service(int concurrency, int queueCapacity, SnapshotMirror snapshotMirror,
            Map<String, String> overrides) {
        return new JobService(jobConfig(concurrency, queueCapacity, overrides), snapshotMirror, vertx);
    }

    private static JobConfig jobConfig(int concurrency, int queueCapacity) {
        return jobConfig(concurrency, queueCapacity, Map.of());
    }

    private static JobConfig jobConfig(int concurrency, int queueCapacity, Map<String, String> overrides) {
        return new SmallRyeConfigBuilder()
                .withMapping(JobConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withDefaultValue("mirror.jobs.concurrency", String.valueOf(concurrency))
                .withDefaultValue("mirror.jobs.queue-capacity", String.valueOf(queueCapacity))
                .withDefaultValues(overrides)
                .build()
                .getConfigMapping(JobConfig.class);
    }

    private static SnapshotWork model(String id) {
        return SnapshotWork.of(RepoRef.model(id, "main"));
    }

    private static SnapshotWork repo(String id, String revision, List<String> include) {
        return new SnapshotWork(new MirrorSpec(new RepoRef(HfRepoId.parse(id), RepoType.DATASET, revision), include,
                List.of()));
    }
}
