package dev.hubmirror.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hubmirror.config.JobConfig;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.RepoRef;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import io.vertx.core.Vertx;
import dev.hubmirror.store.StoreLocation;
import dev.hubmirror.store.fs.FilesystemObjectStore;
import dev.hubmirror.testing.Poll;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The durable-job rules without a broker: an in-memory job-state store, recorded events, the scripted mirror. The
 * same coordinator runs against Kafka in the integration tests.
 */
class JobCoordinatorTest {

    private static Vertx vertx;

    private final ScriptedSnapshotMirror mirror = new ScriptedSnapshotMirror();
    private final InMemoryJobStateStore store = new InMemoryJobStateStore();
    private final RecordedEvents events = new RecordedEvents(store);

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void acceptsARequestOnceAndShowsItsJobsQueued() {
        // Given
        JobCoordinator coordinator = coordinator(service(2));
        List<JobOrder> orders = List.of(order("req-1", 0, "org/a", -1), order("req-1", 1, "org/b", -1));
        AtomicInteger dispatched = new AtomicInteger();

        // When
        boolean first = await(coordinator.accept("req-1", orders, o -> {
            dispatched.incrementAndGet();
            return Uni.createFrom().item(3);
        }));
        boolean again = await(coordinator.accept("req-1", orders, o -> {
            dispatched.incrementAndGet();
            return Uni.createFrom().item(3);
        }));

        // Then
        assertThat(first).isTrue();
        assertThat(again).isFalse();
        assertThat(dispatched).hasValue(2);
        assertThat(events.types()).containsExactly(JobEventType.ACCEPTED, JobEventType.ACCEPTED);
        assertThat(store.find(JobCoordinator.jobId("req-1", 1))).get().satisfies(r -> {
            assertThat(r.job().status()).isEqualTo(JobStatus.QUEUED);
            assertThat(r.job().origin().requestId()).isEqualTo("req-1");
            assertThat(r.shard()).isEqualTo(3);
            assertThat(r.admitted()).isFalse();
        });
    }

    @Test
    void admitsAnOrderOfAnOwnedShardAndRecordsItBeforeItMayBeAcknowledged() {
        // Given
        JobCoordinator coordinator = coordinator(service(2));
        coordinator.shardsAssigned(List.of(0));
        JobOrder order = order("req-2", 0, "org/a", 0);

        // When
        boolean acknowledge = await(coordinator.admit(order));

        // Then
        assertThat(acknowledge).isTrue();
        assertThat(mirror.started("org/a")).isTrue();
        assertThat(store.find(order.id())).get().satisfies(r -> {
            assertThat(r.admitted()).isTrue();
            assertThat(r.instance()).isEqualTo("me");
            assertThat(r.job().status()).isEqualTo(JobStatus.RUNNING);
        });
    }

    @Test
    void leavesAnOrderOfAShardItDoesNotOwnUnacknowledged() {
        // Given
        JobCoordinator coordinator = coordinator(service(2));
        coordinator.shardsAssigned(List.of(1));

        // When
        boolean acknowledge = await(coordinator.admit(order("req-3", 0, "org/a", 0)));

        // Then
        assertThat(acknowledge).isFalse();
        assertThat(mirror.runs()).isEmpty();
    }

    @Test
    void savesTheOutcomeThenPublishesItsEventThenNotesItDelivered() {
        // Given
        JobCoordinator coordinator = coordinator(service(2));
        coordinator.shardsAssigned(List.of(0));
        JobOrder order = order("req-4", 0, "org/a", 0);
        await(coordinator.admit(order));
        mirror.run("org/a").progress().planned("c0ffee", 2, 300);

        // When
        mirror.run("org/a").succeed("c0ffee", 2, 300);

        // Then
        assertThat(events.published()).last().satisfies(e -> {
            assertThat(e.type()).isEqualTo(JobEventType.SUCCEEDED);
            assertThat(e.record().job().outcome().commit()).isEqualTo("c0ffee");
            assertThat(e.record().job().outcome().snapshotUrl()).endsWith("/snapshots/c0ffee");
            assertThat(e.record().job().progress().filesTotal()).isEqualTo(2);
            // the outcome was durable before its event went out
            assertThat(e.storedWhenPublished().job().status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(e.storedWhenPublished().unannounced()).isTrue();
        });
        assertThat(store.find(order.id())).get().satisfies(r -> {
            assertThat(r.job().status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(r.announced()).isEqualTo(JobEventType.SUCCEEDED);
        });
    }

    @Test
    void anOrderOfAFinishedJobIsADuplicateAndRunsNothing() {
        // Given
        JobCoordinator coordinator = coordinator(service(2));
        coordinator.shardsAssigned(List.of(0));
        JobOrder order = order("req-5", 0, "org/a", 0);
        await(coordinator.admit(order));
        mirror.run("org/a").succeed("c1", 0, 0);

        // When the same order is delivered again
        boolean acknowledge = await(coordinator.admit(order));

        // Then
        assertThat(acknowledge).isTrue();
        assertThat(mirror.runs()).hasSize(1);
        assertThat(events.types()).containsExactly(JobEventType.SUCCEEDED);
    }

    @Test
    void resumesTheAdmittedUnfinishedJobsOfAnAssignedShard() {
        // Given a job another replica admitted and was running when it died
        JobCoordinator coordinator = coordinator(service(2));
        JobOrder order = order("req-6", 0, "org/a", 1);
        Instant firstStart = Instant.parse("2026-01-01T10:00:00Z");
        JobSnapshot running = new JobSnapshot(order.id(), new JobOrigin("req-6", "team"), order.work(), null,
                JobStatus.RUNNING, new JobProgress(1, 3, 0, 100, 300),
                new JobTimes(order.createdAt(), firstStart, null), new JobOutcome("c0ffee", null, null));
        await(store.save(new JobRecord(running, null, 1, "dead-replica", true, JobEventType.ACCEPTED)));

        // When
        coordinator.shardsAssigned(List.of(1));

        // Then
        assertThat(mirror.started("org/a")).isTrue();
        assertThat(store.find(order.id())).get().satisfies(r -> {
            assertThat(r.instance()).isEqualTo("me");
            assertThat(r.job().status()).isEqualTo(JobStatus.RUNNING);
            assertThat(r.job().times().startedAt()).isEqualTo(firstStart);
        });
        assertThat(events.types()).isEmpty();
    }

    @Test
    void announcesARecordedOutcomeWhoseEventWasNeverDelivered() {
        // Given a replica that died between saving the outcome and publishing its event
        JobCoordinator coordinator = coordinator(service(2));
        JobOrder order = order("req-7", 0, "org/a", 2);
        JobSnapshot failed = JobSnapshot.queued(order).finish(JobStatus.FAILED,
                new JobError(Reason.GATED_REPO, "gated"), Instant.now());
        await(store.save(new JobRecord(failed, null, 2, "dead-replica", true, JobEventType.ACCEPTED)));

        // When
        coordinator.shardsAssigned(List.of(2));

        // Then the recorded outcome is announced as recorded, and the job does not run again
        assertThat(events.published()).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(JobEventType.FAILED);
            assertThat(e.record().job().outcome().error().reason()).isEqualTo(Reason.GATED_REPO);
            assertThat(e.record().instance()).isEqualTo("dead-replica");
        });
        assertThat(store.find(order.id())).get().satisfies(r -> assertThat(r.unannounced()).isFalse());
        assertThat(mirror.runs()).isEmpty();
    }

    @Test
    void releasesTheJobsOfARevokedShardWithoutAnnouncingThem() {
        // Given
        JobCoordinator coordinator = coordinator(service(2));
        coordinator.shardsAssigned(List.of(0));
        JobOrder order = order("req-8", 0, "org/a", 0);
        await(coordinator.admit(order));

        // When
        coordinator.shardsRevoked(List.of(0));

        // Then
        assertThat(mirror.run("org/a").cancelled()).isTrue();
        assertThat(events.types()).isEmpty();
        assertThat(store.find(order.id())).get().satisfies(r -> {
            assertThat(r.job().status()).isEqualTo(JobStatus.RUNNING);
            assertThat(r.admitted()).isTrue();
        });
    }

    @Test
    void identicalOrdersRunOneAfterTheOtherNeverTogether() {
        // Given two requests for the same repo, revision and target
        JobCoordinator coordinator = coordinator(service(2));
        coordinator.shardsAssigned(List.of(0));
        JobOrder first = order("req-9a", 0, "org/a", 0);
        JobOrder second = order("req-9b", 0, "org/a", 0);

        // When
        await(coordinator.admit(first));
        await(coordinator.admit(second));

        // Then the second waits for the first
        assertThat(mirror.runs()).hasSize(1);
        assertThat(store.find(second.id())).get().satisfies(r -> assertThat(r.job().status())
                .isEqualTo(JobStatus.QUEUED));

        // When
        mirror.run("org/a").succeed("c1", 1, 10);

        // Then it runs (finding the files verified in the store), and both requests hear of success
        assertThat(mirror.runs()).hasSize(2);
        mirror.run("org/a").succeed("c1", 1, 10);
        assertThat(events.published()).extracting(e -> e.record().job().origin().requestId() + ":" + e.type())
                .containsExactly("req-9a:SUCCEEDED", "req-9b:SUCCEEDED");
    }

    @Test
    void anOrderWaitsForAFreeSlotAndIsLeftWhenItsShardIsRevokedMeanwhile() {
        // Given one slot, taken
        JobCoordinator coordinator = coordinator(service(1));
        coordinator.shardsAssigned(List.of(0, 1));
        await(coordinator.admit(order("req-10", 0, "org/a", 0)));

        // When
        UniAssertSubscriber<Boolean> waiting = coordinator.admit(order("req-11", 0, "org/b", 1))
                .subscribe().withSubscriber(UniAssertSubscriber.create());
        UniAssertSubscriber<Boolean> revoked = coordinator.admit(order("req-12", 0, "org/c", 1))
                .subscribe().withSubscriber(UniAssertSubscriber.create());

        // Then
        waiting.assertNotTerminated();
        assertThat(mirror.started("org/b")).isFalse();

        // When
        mirror.run("org/a").succeed("c1", 0, 0);

        // Then
        waiting.assertCompleted().assertItem(true);
        assertThat(mirror.started("org/b")).isTrue();

        // When the shard of the order still waiting moves to another replica
        coordinator.shardsRevoked(List.of(1));

        // Then it is left for the new owner
        revoked.assertCompleted().assertItem(false);
        assertThat(mirror.started("org/c")).isFalse();
    }

    @Test
    void aCancelRequestIsAppliedByTheOwnerToRunningAndToNotYetAdmittedJobs() {
        // Given a running job, and an accepted job whose order was not read yet
        JobCoordinator coordinator = coordinator(service(2));
        coordinator.shardsAssigned(List.of(0));
        JobOrder running = order("req-13", 0, "org/a", 0);
        await(coordinator.admit(running));
        JobOrder waiting = order("req-14", 0, "org/b", 0);
        await(coordinator.accept("req-14", List.of(waiting), o -> Uni.createFrom().item(0)));

        // When
        await(store.requestCancel(running.id()));
        await(store.requestCancel(waiting.id()));

        // Then
        assertThat(mirror.run("org/a").cancelled()).isTrue();
        assertThat(store.find(running.id())).get().satisfies(r -> {
            assertThat(r.job().status()).isEqualTo(JobStatus.CANCELLED);
            assertThat(r.announced()).isEqualTo(JobEventType.CANCELLED);
        });
        assertThat(store.find(waiting.id())).get().satisfies(r -> assertThat(r.job().status())
                .isEqualTo(JobStatus.CANCELLED));

        // When the cancelled job's order is read later
        boolean acknowledge = await(coordinator.admit(waiting));

        // Then it does not run
        assertThat(acknowledge).isTrue();
        assertThat(mirror.started("org/b")).isFalse();
        assertThat(events.published()).filteredOn(e -> e.type() == JobEventType.CANCELLED).hasSize(2)
                .allSatisfy(e -> assertThat(e.record().job().outcome().error().reason()).isEqualTo(Reason.CANCELLED));
    }

    @Test
    void anOrderNamingAnUnknownTokenFailsWithoutRunning() {
        // Given
        JobCoordinator coordinator = coordinator(service(2));
        coordinator.shardsAssigned(List.of(0));
        JobOrder order = new JobOrder(JobCoordinator.jobId("req-15", 0), SnapshotWork.of(RepoRef.model("org/a", "main")),
                null, "nobody", new JobOrigin("req-15", "team"), Instant.now(), null, 0);

        // When
        boolean acknowledge = await(coordinator.admit(order));

        // Then
        assertThat(acknowledge).isTrue();
        assertThat(mirror.runs()).isEmpty();
        assertThat(events.published()).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(JobEventType.FAILED);
            assertThat(e.record().job().outcome().error().reason()).isEqualTo(Reason.INVALID_REQUEST);
        });
    }

    @Test
    void aBundleEndsInTheOutboxOfItsLastJobOnceEveryJobIsFinal() throws Exception {
        // Given two jobs of one bundle running here
        Bundles bundles = new Bundles();
        JobCoordinator coordinator = coordinator(service(2), bundles.tracker);
        coordinator.shardsAssigned(List.of(0));
        JobOrder first = bundled("req-20", 0, "org/a", 0, "b-20", 2);
        JobOrder second = bundled("req-20", 1, "org/b", 0, "b-20", 2);
        await(coordinator.admit(first));
        await(coordinator.admit(second));

        // When the first ends
        mirror.run("org/a").succeed("c0ffee", 1, 10);
        Poll.until(() -> store.find(first.id()).filter(r -> !r.unannounced()), Duration.ofSeconds(5), "first announced",
                () -> "");

        // Then the bundle is not over
        assertThat(bundles.published).isEmpty();

        // When the second ends
        mirror.run("org/b").succeed("beef00", 1, 20);
        Poll.until(() -> store.find(second.id()).filter(r -> !r.unannounced()), Duration.ofSeconds(5),
                "second announced", () -> "");

        // Then one bundle event, sent before the last job's event was noted delivered, and the manifest is stored
        assertThat(bundles.published).singleElement().satisfies(m -> {
            assertThat(m.bundle()).isEqualTo("b-20");
            assertThat(m.status()).isEqualTo("SUCCEEDED");
            assertThat(m.items()).hasSize(2);
        });
        assertThat(bundles.unannouncedWhenPublished).containsEntry(first.id(), false).containsEntry(second.id(), true);
        assertThat(bundles.manifest("b-20")).contains("c0ffee", "beef00");
    }

    @Test
    void aBundleWhoseLastJobsReplicaDiedBeforeItsEventIsEndedByTheReplicaThatAnnouncesTheOutcome() throws Exception {
        // Given a bundle of two finished jobs: the replica that ran the last one died after saving its outcome, before
        // its event and the bundle's went out
        Bundles bundles = new Bundles();
        JobCoordinator coordinator = coordinator(service(2), bundles.tracker);
        JobOrder first = bundled("req-21", 0, "org/a", 3, "b-21", 2);
        JobOrder last = bundled("req-21", 1, "org/b", 3, "b-21", 2);
        Instant now = Instant.now();
        await(store.save(new JobRecord(JobSnapshot.queued(first).finish(JobStatus.SUCCEEDED, null, now), null, 3,
                "dead-replica", true, JobEventType.SUCCEEDED)));
        await(store.save(new JobRecord(JobSnapshot.queued(last).finish(JobStatus.FAILED,
                new JobError(Reason.GATED_REPO, "gated"), now), null, 3, "dead-replica", true, JobEventType.ACCEPTED)));

        // When this replica takes the shard over
        coordinator.shardsAssigned(List.of(3));

        // Then the last job's event goes out, then the bundle's, once
        Poll.until(() -> store.find(last.id()).filter(r -> !r.unannounced()), Duration.ofSeconds(5), "last announced",
                () -> "");
        assertThat(events.types()).containsExactly(JobEventType.FAILED);
        assertThat(bundles.published).singleElement().satisfies(m -> {
            assertThat(m.bundle()).isEqualTo("b-21");
            assertThat(m.status()).isEqualTo("FAILED");
            assertThat(m.requestId()).isEqualTo("req-21");
        });
        assertThat(bundles.manifest("b-21")).contains("GATED_REPO");
        assertThat(mirror.runs()).isEmpty();
    }

    /** A bundle tracker over the test's job-state store, into a directory store, with its events recorded. */
    private final class Bundles implements BundleEvents {
        final List<BundleManifest> published = new CopyOnWriteArrayList<>();
        final Map<String, Boolean> unannouncedWhenPublished = new ConcurrentHashMap<>();
        final Path root;
        final FilesystemObjectStore objects;
        final BundleTracker tracker;

        Bundles() throws IOException {
            root = Files.createTempDirectory("bundles-");
            objects = new FilesystemObjectStore(StoreLocation.parse(root.toString()), vertx);
            tracker = new BundleTracker(name -> JobService.latestOfBundle(store.all().stream().map(JobRecord::job)
                    .toList(), name), store::sync, objects, this);
        }

        @Override
        public Uni<Void> publish(BundleManifest manifest) {
            published.add(manifest);
            manifest.items().forEach(i -> store.find(i.jobId())
                    .ifPresent(r -> unannouncedWhenPublished.put(i.jobId(), r.unannounced())));
            return Uni.createFrom().voidItem();
        }

        String manifest(String name) throws IOException {
            return Files.readString(root.resolve(BundleManifest.key(name)));
        }
    }

    private JobCoordinator coordinator(JobService service) {
        JobCoordinator coordinator = new JobCoordinator(service, store, events, "me", Duration.ofHours(1),
                Duration.ofDays(1), vertx);
        coordinator.start();
        return coordinator;
    }

    private JobCoordinator coordinator(JobService service, BundleTracker bundles) {
        JobCoordinator coordinator = new JobCoordinator(service, store, events, bundles::jobEnded, "me",
                Duration.ofHours(1), Duration.ofDays(1), vertx);
        coordinator.start();
        return coordinator;
    }

    private JobService service(int concurrency) {
        JobConfig config = new SmallRyeConfigBuilder()
                .withMapping(JobConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withDefaultValue("mirror.jobs.concurrency", String.valueOf(concurrency))
                .build()
                .getConfigMapping(JobConfig.class);
        return new JobService(config, mirror, vertx);
    }

    private static JobOrder order(String requestId, int index, String repo, int shard) {
        return new JobOrder(JobCoordinator.jobId(requestId, index), SnapshotWork.of(RepoRef.model(repo, "main")), null,
                null, new JobOrigin(requestId, "team"), Instant.now(), null, shard);
    }

    private static JobOrder bundled(String requestId, int index, String repo, int shard, String bundle, int size) {
        return new JobOrder(JobCoordinator.jobId(requestId, index), SnapshotWork.of(RepoRef.model(repo, "main")), null,
                null, new JobOrigin(requestId, "team", bundle, size), Instant.now(), null, shard);
    }

    private static <T> T await(Uni<T> uni) {
        return uni.await().atMost(Duration.ofSeconds(5));
    }

    /** One published event, with the job's stored record at the moment it was published. */
    record Published(JobEventType type, JobRecord record, JobRecord storedWhenPublished) {
    }

    /** Events kept in order of publication. */
    static final class RecordedEvents implements JobEvents {
        private final JobStateStore store;
        private final List<Published> published = new CopyOnWriteArrayList<>();

        RecordedEvents(JobStateStore store) {
            this.store = store;
        }

        @Override
        public Uni<Void> publish(JobEventType type, JobRecord job) {
            published.add(new Published(type, job, store.find(job.id()).orElse(null)));
            return Uni.createFrom().voidItem();
        }

        List<Published> published() {
            return List.copyOf(published);
        }

        List<JobEventType> types() {
            return published.stream().map(Published::type).toList();
        }
    }

}
