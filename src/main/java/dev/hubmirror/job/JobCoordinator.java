package dev.hubmirror.job;

import static dev.hubmirror.log.LogKeys.ANNOUNCED;
import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.EVENT;
import static dev.hubmirror.log.LogKeys.INSTANCE;
import static dev.hubmirror.log.LogKeys.JOB;
import static dev.hubmirror.log.LogKeys.JOBS;
import static dev.hubmirror.log.LogKeys.RELEASED;
import static dev.hubmirror.log.LogKeys.REQUEST;
import static dev.hubmirror.log.LogKeys.RESUMED;
import static dev.hubmirror.log.LogKeys.SHARD;
import static dev.hubmirror.log.LogKeys.SHARDS;
import static dev.hubmirror.log.LogKeys.STATUS;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Runs this replica's share of durable jobs: the jobs of the shards it owns (with Kafka, the partitions of the job
 * order topic assigned to it). Knows no Kafka: it reads and writes a {@link JobStateStore}, publishes through
 * {@link JobEvents}, and runs jobs on the local {@link JobService}.
 *
 * <ul>
 * <li>{@link #accept}: a request becomes one order per job (ids derived from the request id, so a redelivered request
 * yields the same jobs), an accepted event per job, then the request's record. A request already recorded is a
 * duplicate and accepts nothing.</li>
 * <li>{@link #admit}: an order of an owned shard waits for a free slot and is admitted; the admission is durable
 * before the order may be acknowledged. Orders of finished jobs, or of jobs already running here, are duplicates.</li>
 * <li>Every transition of a job is saved, one write at a time per job. A finished job is saved first, then its event
 * is published, then the record notes the event as delivered (an outbox): a replica that finds a finished job whose
 * event is not noted publishes it again from the record, so a job's final event never changes.</li>
 * <li>{@link #shardsAssigned}: after reading the store up to date, admitted unfinished jobs of the new shards are
 * resumed (their verified files are skipped) and unannounced outcomes are announced. {@link #shardsRevoked}: local
 * jobs of lost shards are released, not finished, for the new owner to resume.</li>
 * <li>Cancellation requests in the store are applied by the owner of the job's shard.</li>
 * </ul>
 */
public final class JobCoordinator implements JobListener {

    private static final Logger LOGGER = Logger.getLogger(JobCoordinator.class);
    private static final Duration RETRY_FIRST = Duration.ofMillis(200);
    private static final Duration RETRY_MAX = Duration.ofSeconds(10);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final JobService service;
    private final JobStateStore store;
    private final JobEvents events;
    private final Function<JobSnapshot, Uni<Void>> ended;
    private final String instance;
    private final Duration progressInterval;
    private final Duration retention;
    private final Vertx vertx;

    private final Set<Integer> shards = ConcurrentHashMap.newKeySet();
    /** Jobs released here: nothing more is written for them until they are admitted again. */
    private final Set<String> released = ConcurrentHashMap.newKeySet();
    /** The tail of each job's chain of writes; writes of one job run one after the other. */
    private final Map<String, CompletableFuture<Void>> writes = new ConcurrentHashMap<>();
    /** Completed when a shard is revoked, for orders of that shard still waiting for a slot. */
    private final Map<Integer, Set<CompletableFuture<Void>>> revocations = new ConcurrentHashMap<>();
    /** Progress last written per running job, to skip unchanged progress. */
    private final Map<String, Progress> progressWritten = new ConcurrentHashMap<>();

    /** A job's counters as last written: compared whole, never folded into one number that could wrap or collide. */
    private record Progress(long bytesDone, int filesDone) {
    }
    private volatile boolean stopped;
    private long timer = -1;

    public JobCoordinator(JobService service, JobStateStore store, JobEvents events, String instance,
            Duration progressInterval, Duration retention, Vertx vertx) {
        this(service, store, events, job -> Uni.createFrom().voidItem(), instance, progressInterval, retention, vertx);
    }

    /**
     * @param ended what else a job's end sets off, inside its outbox: after its event, before the event is noted
     *              delivered, so that it happens again when the outcome is announced again ({@link BundleTracker#jobEnded})
     */
    public JobCoordinator(JobService service, JobStateStore store, JobEvents events,
            Function<JobSnapshot, Uni<Void>> ended, String instance, Duration progressInterval, Duration retention,
            Vertx vertx) {
        this.service = service;
        this.store = store;
        this.events = events;
        this.ended = ended;
        this.instance = instance;
        this.progressInterval = progressInterval;
        this.retention = retention;
        this.vertx = vertx;
    }

    /** The id of job {@code index} (from 0) of request {@code requestId}: the same for every delivery of it. */
    public static String jobId(String requestId, int index) {
        return UUID.nameUUIDFromBytes(("hub-mirror/" + requestId + "/" + index).getBytes(StandardCharsets.UTF_8))
                .toString();
    }

    /** Starts listening to the job service and to cancellation requests, and the progress timer. */
    public void start() {
        service.listen(this);
        store.onCancelRequest(this::applyCancelRequest);
        timer = vertx.setPeriodic(Math.max(100, progressInterval.toMillis()), t -> tick());
        LOGGER.infof("job coordinator started" + INSTANCE, instance);
    }

    /** Stops writing; jobs still running are the job service's to stop (they are released, not finished). */
    public void stop() {
        stopped = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** This replica's name, as written into job records and events. */
    public String instance() {
        return instance;
    }

    /** The shards this replica owns now. */
    public Set<Integer> shards() {
        return Set.copyOf(shards);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // requests

    /**
     * Accepts request {@code requestId}: sends each order with {@code dispatch} (which completes with the order's
     * shard once the order is durable), publishes an accepted event per job, then records the request. Completes with
     * false, doing nothing, when the request was recorded before (a duplicate).
     */
    public Uni<Boolean> accept(String requestId, List<JobOrder> orders, Function<JobOrder, Uni<Integer>> dispatch) {
        return store.sync().chain(() -> {
            if (store.requestSeen(requestId)) {
                LOGGER.infof("request duplicate" + REQUEST + ": its jobs were accepted before", requestId);
                return Uni.createFrom().item(false);
            }
            List<JobRecord> records = new ArrayList<>(orders.size());
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (JobOrder order : orders) {
                chain = chain.chain(() -> dispatch.apply(order)).chain(shard -> {
                    JobRecord record = new JobRecord(JobSnapshot.queued(order), order.tokenName(), shard, null, false,
                            JobEventType.ACCEPTED);
                    records.add(record);
                    return events.publish(JobEventType.ACCEPTED, record);
                });
            }
            return chain.chain(() -> store.saveAccepted(requestId,
                    records)).invoke(() -> LOGGER.infof("request accepted" + REQUEST + JOBS, requestId,
                    records.size())).replaceWith(true);
        });
    }

    // ---------------------------------------------------------------------------------------------------------------
    // orders

    /**
     * Admits an order read from shard {@code order.shard()}. Completes with true once the order may be acknowledged
     * (the job is durably admitted, or the order was a duplicate, or the job was finished without running); with
     * false when it must not be (this replica stops, or lost the shard while waiting: the next owner reads it again).
     * Store failures are retried until they pass.
     */
    public Uni<Boolean> admit(JobOrder order) {
        return store.sync().chain(() -> {
            Optional<JobRecord> known = store.find(order.id());
            if (known.isPresent() && known.get().job().status().finished()) {
                LOGGER.infof("job order duplicate" + JOB + STATUS, order.id(), known.get().job().status());
                return Uni.createFrom().item(true);
            }
            Optional<Job> local = service.find(order.id());
            if (local.isPresent() && !local.get().status().finished()) {
                return Uni.createFrom().item(true);
            }
            if (store.cancelRequested(order.id())) {
                JobRecord record = known.orElseGet(() -> new JobRecord(JobSnapshot.queued(order), order.tokenName(),
                        order.shard(), null, false, JobEventType.ACCEPTED));
                return finishUnrun(record, JobStatus.CANCELLED, new JobError(Reason.CANCELLED, "cancelled by a caller"))
                        .replaceWith(true);
            }
            boolean resumed = known.isPresent() && known.get().admitted();
            JobOrder effective = resumed ? JobOrder.resume(known.get()) : order;
            if (resumed) {
                return admitNow(effective);
            }
            if (!shards.contains(order.shard())) {
                return Uni.createFrom().item(false);
            }
            CompletableFuture<Void> revocation = new CompletableFuture<>();
            Set<CompletableFuture<Void>> waiting = revocations.computeIfAbsent(order.shard(),
                    s -> ConcurrentHashMap.newKeySet());
            waiting.add(revocation);
            Uni<Boolean> slot = service.whenCapacity().replaceWith(true);
            Uni<Boolean> revoked = Uni.createFrom().completionStage(revocation).replaceWith(false);
            return Uni.combine().any().of(slot, revoked)
                    .onTermination().invoke(() -> waiting.remove(revocation))
                    .chain(free -> free ? admitNow(effective) : Uni.createFrom().item(false));
        }).onFailure(e -> !stopped && !isShutdown(e)).retry().withBackOff(RETRY_FIRST, RETRY_MAX).indefinitely()
                .onFailure().recoverWithItem(e -> {
                    LOGGER.infof("job order left unacknowledged" + JOB + ERROR, order.id(), e.getMessage());
                    return false;
                });
    }

    private Uni<Boolean> admitNow(JobOrder order) {
        if (stopped) {
            return Uni.createFrom().item(false);
        }
        if (!shards.contains(order.shard())) {
            LOGGER.infof("job order skipped" + JOB + SHARD + ": the shard moved to another instance", order.id(),
                    order.shard());
            return Uni.createFrom().item(false);
        }
        Job job;
        try {
            released.remove(order.id());
            job = service.admit(order);
        } catch (MirrorException e) {
            if (e.reason() == Reason.SHUTTING_DOWN) {
                return Uni.createFrom().item(false);
            }
            // a target or token name this replica does not know: the job cannot run here or anywhere like this one
            JobRecord record = new JobRecord(JobSnapshot.queued(order), order.tokenName(), order.shard(), instance,
                    true, JobEventType.ACCEPTED);
            return finishUnrun(record, JobStatus.FAILED, service.error(e)).replaceWith(true);
        }
        return write(job.id(), () -> saveState(job)).replaceWith(true);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // shards

    /** The shards were assigned to this replica: resume their admitted jobs and announce their unannounced outcomes. */
    public void shardsAssigned(Collection<Integer> assigned) {
        if (assigned.isEmpty()) {
            return;
        }
        shards.addAll(assigned);
        LOGGER.infof("shards assigned" + INSTANCE + SHARDS, instance, assigned);
        Set<Integer> scanned = Set.copyOf(assigned);
        store.sync().onFailure().retry().withBackOff(RETRY_FIRST, RETRY_MAX).atMost(30)
                .subscribe().with(v -> scan(scanned), e -> LOGGER.warnf("shard scan failed" + INSTANCE + SHARDS + ERROR,
                        instance, scanned, e.getMessage()));
    }

    /** The shards were taken from this replica: release their local jobs for the new owner to resume. */
    public void shardsRevoked(Collection<Integer> revoked) {
        if (revoked.isEmpty()) {
            return;
        }
        shards.removeAll(revoked);
        for (Integer shard : revoked) {
            Set<CompletableFuture<Void>> waiting = revocations.remove(shard);
            if (waiting != null) {
                waiting.forEach(signal -> signal.complete(null));
            }
        }
        List<String> ids = service.list(Optional.empty(), Integer.MAX_VALUE).stream()
                .filter(job -> !job.status().finished() && revoked.contains(job.shard()))
                .map(Job::id)
                .toList();
        released.addAll(ids);
        service.release(ids);
        LOGGER.infof("shards revoked" + INSTANCE + SHARDS + RELEASED, instance, revoked, ids.size());
    }

    private void scan(Set<Integer> scanned) {
        int resumed = 0;
        int announced = 0;
        for (JobRecord record : store.all()) {
            if (!scanned.contains(record.shard()) || !shards.contains(record.shard()) || stopped) {
                continue;
            }
            JobStatus status = record.job().status();
            if (record.unannounced() && !writes.containsKey(record.id())) {
                announced++;
                write(record.id(), () -> announce(record)).subscribe().with(v -> { }, e -> { });
            } else if (!status.finished() && store.cancelRequested(record.id())
                    && service.find(record.id()).map(j -> j.status().finished()).orElse(true)) {
                finishUnrun(record, JobStatus.CANCELLED, new JobError(Reason.CANCELLED, "cancelled by a caller"))
                        .subscribe().with(v -> { }, e -> { });
            } else if (!status.finished() && record.admitted()) {
                Optional<Job> local = service.find(record.id());
                if (local.isEmpty() || local.get().status().finished()) {
                    resumed++;
                    admitNow(JobOrder.resume(record)).subscribe().with(v -> { }, e -> LOGGER.warnf("job resume failed"
                            + JOB + ERROR, record.id(), e.getMessage()));
                }
            }
        }
        LOGGER.infof("shard scan done" + INSTANCE + SHARDS + RESUMED + ANNOUNCED, instance, scanned, resumed,
                announced);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // cancellation

    private void applyCancelRequest(String jobId) {
        Optional<Job> local = service.find(jobId);
        if (local.isPresent() && !local.get().status().finished() && shards.contains(local.get().shard())) {
            try {
                service.cancel(jobId);
            } catch (MirrorException e) {
                LOGGER.debugf("job cancel request not applied" + JOB + ERROR, jobId, e.getMessage());
            }
            return;
        }
        Optional<JobRecord> record = store.find(jobId);
        if (record.isPresent() && !record.get().job().status().finished() && shards.contains(record.get().shard())
                && (local.isEmpty() || local.get().status().finished())) {
            finishUnrun(record.get(), JobStatus.CANCELLED, new JobError(Reason.CANCELLED, "cancelled by a caller"))
                    .subscribe().with(v -> { }, e -> { });
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // job listener

    @Override
    public void started(Job job) {
        if (job.shard() >= 0) {
            write(job.id(), () -> saveState(job)).subscribe().with(v -> { }, e -> { });
        }
    }

    @Override
    public void planned(Job job) {
        started(job);
    }

    @Override
    public void finished(Job job) {
        if (job.shard() < 0) {
            return;
        }
        progressWritten.remove(job.id());
        write(job.id(), () -> released.contains(job.id()) ? Uni.createFrom().voidItem() : announce(record(job)))
                .subscribe().with(v -> { }, e -> { });
    }

    @Override
    public void released(Job job) {
        released.add(job.id());
        progressWritten.remove(job.id());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // writes

    private void tick() {
        if (stopped) {
            return;
        }
        for (Job job : service.list(Optional.of(JobStatus.RUNNING), Integer.MAX_VALUE)) {
            if (job.shard() < 0 || released.contains(job.id())) {
                continue;
            }
            Progress progress = new Progress(job.bytesDone(), job.filesDone());
            Progress before = progressWritten.put(job.id(), progress);
            if (!progress.equals(before)) {
                write(job.id(), () -> saveState(job)).subscribe().with(v -> { }, e -> { });
            }
        }
        Instant settled = Instant.now().minus(progressInterval.multipliedBy(2));
        for (JobRecord record : store.all()) {
            if (record.unannounced() && shards.contains(record.shard()) && !writes.containsKey(record.id())
                    && finishedBefore(record, settled)) {
                write(record.id(), () -> announce(record)).subscribe().with(v -> { }, e -> { });
            }
        }
        store.forgetFinishedBefore(Instant.now().minus(retention));
    }

    private static boolean finishedBefore(JobRecord record, Instant cutoff) {
        Instant finished = record.job().times().finishedAt();
        return finished != null && finished.isBefore(cutoff);
    }

    /** Saves a job's current state, unless it finished (its outcome is announced by its own write) or was released. */
    private Uni<Void> saveState(Job job) {
        if (stopped || released.contains(job.id()) || job.status().finished()) {
            return Uni.createFrom().voidItem();
        }
        return store.save(record(job));
    }

    /** A finished job that never ran here (cancelled before its turn, or unrunnable): saved and announced. */
    private Uni<Void> finishUnrun(JobRecord record, JobStatus status, JobError cause) {
        JobRecord finished = new JobRecord(record.job().finish(status, cause, Instant.now()), record.tokenName(),
                record.shard(), instance, record.admitted(), record.announced());
        return write(record.id(), () -> announce(finished));
    }

    /** The outbox: save the outcome, publish its event, end what the job's end ends, note the event as delivered. */
    private Uni<Void> announce(JobRecord record) {
        JobEventType type = JobEventType.of(record.job().status());
        return store.save(record)
                .chain(() -> events.publish(type, record))
                .chain(() -> ended.apply(record.job()))
                .chain(() -> store.save(record.announced(type)))
                .invoke(() -> LOGGER.infof("job announced" + JOB + EVENT + REQUEST, record.id(), type,
                        record.job().origin().requestId()));
    }

    private JobRecord record(Job job) {
        return new JobRecord(job.snapshot(), job.tokenName(), job.shard(), instance, true, JobEventType.ACCEPTED);
    }

    /**
     * Runs {@code step} after every earlier write of the same job, retrying failures with backoff while this
     * replica runs.
     */
    private Uni<Void> write(String jobId, Supplier<Uni<Void>> step) {
        CompletableFuture<Void> next = new CompletableFuture<>();
        CompletableFuture<Void> previous;
        synchronized (writes) {
            previous = writes.getOrDefault(jobId, DONE);
            writes.put(jobId, next);
        }
        previous.handle((v, e) -> null)
                .thenCompose(v -> Uni.createFrom().<Void>deferred(step::get)
                        .onFailure(e -> !stopped).retry().withBackOff(RETRY_FIRST, RETRY_MAX).atMost(20)
                        .onFailure().invoke(e -> LOGGER.warnf("job state write failed" + JOB + ERROR, jobId,
                                e.getMessage()))
                        .subscribeAsCompletionStage())
                .whenComplete((v, e) -> {
                    writes.remove(jobId, next);
                    if (e == null) {
                        next.complete(null);
                    } else {
                        next.completeExceptionally(e);
                    }
                });
        return Uni.createFrom().completionStage(next);
    }

    private static boolean isShutdown(Throwable e) {
        return e instanceof MirrorException m && m.reason() == Reason.SHUTTING_DOWN;
    }
}
