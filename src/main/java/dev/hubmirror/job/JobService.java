package dev.hubmirror.job;

import static dev.hubmirror.log.LogKeys.BUNDLE;
import static dev.hubmirror.log.LogKeys.CANCELLED;
import static dev.hubmirror.log.LogKeys.COMMIT;
import static dev.hubmirror.log.LogKeys.COUNT;
import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.JOB;
import static dev.hubmirror.log.LogKeys.REQUEST;

import dev.hubmirror.config.JobConfig;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.failure.RetryLaterException;
import dev.hubmirror.failure.Secrets;
import dev.hubmirror.transfer.MirrorProgress;
import dev.hubmirror.transfer.SnapshotMirror;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Vertx;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Admits, queues, runs, cancels and forgets jobs of every kind ({@link JobWork}) on this instance. Where each job
 * stands is {@link Admission}'s pure state and what is remembered is {@link KeptJobs}'; this class holds the lock,
 * runs jobs with their kind's {@link JobRunner} and tells the {@link JobListener}.
 *
 * <p>Admission: a submission is all or nothing; it is refused ({@link Reason#QUEUE_FULL}) when its new jobs would not
 * fit in the queue ({@link JobConfig#queueCapacity()}). A work equal to a QUEUED or RUNNING job's ({@link JobKey})
 * returns that job instead of a new one. At most {@link JobConfig#concurrency()} jobs run at once; no thread is held
 * per job: a job is a subscription to its runner's {@link JobRunner#run}, and its completion frees the slot for the
 * next queued job. Finished jobs are forgotten after {@link JobConfig#retention()}. What the service
 * keeps is bounded: a submission is refused ({@link Reason#TOO_MANY_JOBS}) when its new jobs would make the records
 * kept exceed {@link JobConfig#maxRetained()} or their estimated heap ({@link JobFootprint})
 * {@link JobConfig#maxRetainedBytes()}.
 *
 * <p>Orders ({@link #admit}) are jobs whose identity was decided elsewhere (a Kafka request, resumed jobs): they are not
 * refused for a full queue (their producer waits for {@link #whenCapacity()} instead), and an order identical to an
 * active job is parked behind it and runs once it finished, finding every file already verified in the store. A
 * {@link JobListener} hears every transition; jobs stopped without finishing (stop, {@link #release}) are reported as
 * released, not finished, so that another replica may resume them.
 */
@ApplicationScoped
public class JobService {

    private static final Logger LOGGER = Logger.getLogger(JobService.class);
    private static final Duration MIN_PURGE_INTERVAL = Duration.ofSeconds(1);
    private static final Duration MAX_PURGE_INTERVAL = Duration.ofMinutes(5);
    /** Retry-After of a full queue: jobs take minutes, a retry in seconds finds whether one ended. */
    private static final Duration QUEUE_FULL_RETRY = Duration.ofSeconds(10);

    private final JobConfig config;
    private final JobRunners runners;
    private final Vertx vertx;
    /** The replaceable listener ({@link #listen}) and those added for good ({@link #also}), as one. */
    private volatile JobListener listener = JobListener.NONE;
    private volatile JobListener replaceable = JobListener.NONE;
    private volatile JobListener added = JobListener.NONE;
    private final SecureRandom random = new SecureRandom();
    private final AtomicLong sequence = new AtomicLong();
    /** Drain guard: only one thread starts jobs at a time; others leave a note and return. */
    private final AtomicInteger drainRequests = new AtomicInteger();

    private final Object lock = new Object();
    /** Every job still remembered; changed under {@link #lock}. */
    private final KeptJobs kept = new KeptJobs();
    /** Where the active jobs stand; guarded by {@link #lock}. */
    private final Admission<Job, JobKey> admission;
    /** Callers of {@link #whenCapacity()} waiting for a free slot; guarded by {@link #lock}. */
    private final ArrayDeque<UniEmitter<? super Void>> capacityWaiters = new ArrayDeque<>();
    /** Set once the service stops; guarded by {@link #lock}. */
    private boolean stopping;
    private volatile long purgeTimer = -1;
    /** Redacts every configured secret from the failure messages this service records; set by CDI. */
    @Inject
    Secrets secrets = Secrets.NONE;

    /** A service that runs every snapshot job with {@code mirror} (no named targets or tokens). */
    public JobService(JobConfig config, SnapshotMirror mirror, Vertx vertx) {
        this(config, SnapshotMirrors.single(mirror), vertx);
    }

    /** A service that runs snapshot jobs only, with {@code mirrors}. */
    public JobService(JobConfig config, SnapshotMirrors mirrors, Vertx vertx) {
        this(config, JobRunners.of(new SnapshotRunner(mirrors)), vertx);
    }

    @Inject
    public JobService(JobConfig config, JobRunners runners, Vertx vertx) {
        if (config.concurrency() < 1) {
            throw new ConfigurationException("mirror.jobs.concurrency is " + config.concurrency()
                    + ": use 1 or more");
        }
        if (config.queueCapacity() < 0) {
            throw new ConfigurationException(
                    "mirror.jobs.queue-capacity is " + config.queueCapacity() + ": use 0 or more");
        }
        if (config.maxRetained() < 1 || config.maxRetainedBytes().asLongValue() < 1) {
            throw new ConfigurationException("mirror.jobs.max-retained (" + config.maxRetained() + ") and "
                    + "mirror.jobs.max-retained-bytes (" + config.maxRetainedBytes().asLongValue() + ") must be "
                    + "at least 1");
        }
        this.config = config;
        this.runners = runners;
        this.vertx = vertx;
        this.admission = new Admission<>(config.concurrency(), config.queueCapacity(), Job::key);
    }

    /** Sends every later transition to {@code jobListener} (replacing the previous listener). */
    public void listen(JobListener jobListener) {
        synchronized (lock) {
            replaceable = jobListener == null ? JobListener.NONE : jobListener;
            listener = JobListener.both(replaceable, added);
        }
    }

    /** Sends every later transition to {@code jobListener} as well, whatever {@link #listen} sets. */
    public void also(JobListener jobListener) {
        synchronized (lock) {
            added = JobListener.both(added, jobListener);
            listener = JobListener.both(replaceable, added);
        }
    }

    @PostConstruct
    void startPurging() {
        long interval = clamp(config.retention().dividedBy(4), MIN_PURGE_INTERVAL, MAX_PURGE_INTERVAL).toMillis();
        purgeTimer = vertx.setPeriodic(interval, timer -> purgeFinishedBefore(Instant.now().minus(config.retention())));
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    /**
     * Accepts one job per work, in order. Works equal to an active job's (or to an earlier work of the same
     * submission) map to that job. Nothing is enqueued when the submission is refused.
     *
     * @throws MirrorException {@link Reason#INVALID_REQUEST} for an empty list, {@link Reason#QUEUE_FULL} when the new
     *     jobs do not fit in the queue, {@link Reason#SHUTTING_DOWN} once the service stops
     */
    public List<Job> submit(List<? extends JobWork> works) {
        return submit(works, null, null);
    }

    /**
     * As {@link #submit(List)}, into the configured target {@code target} with the configured token
     * {@code tokenName} ({@code null}: the defaults). Works equal to an active job's in the same target map to it.
     *
     * @throws MirrorException also {@link Reason#INVALID_REQUEST} for a name that is not configured
     */
    public List<Job> submit(List<? extends JobWork> works, String target, String tokenName) {
        return submit(works, target, tokenName, null);
    }

    /**
     * As {@link #submit(List, String, String)}; the jobs form bundle {@code bundle} ({@code null}: none). A bundle's
     * jobs are its own, so that it knows when each is final: a work equal to an active job's makes a new job parked
     * behind it (as an order is), not an answer with that job.
     *
     * @throws MirrorException as {@link #submit(List, String, String)}
     */
    public List<Job> submit(List<? extends JobWork> works, String target, String tokenName, String bundle) {
        if (works == null || works.isEmpty()) {
            throw new MirrorException(Reason.INVALID_REQUEST, "nothing to mirror: name at least one repo");
        }
        for (JobWork work : works) {
            runners.check(work, target, tokenName);
        }
        List<Job> accepted = new ArrayList<>(works.size());
        List<Job> created = new ArrayList<>();
        List<Job> parkedNow = new ArrayList<>();
        synchronized (lock) {
            if (stopping) {
                throw new MirrorException(Reason.SHUTTING_DOWN,
                        "the service is stopping and accepts no new jobs: submit again to another instance or later");
            }
            Map<JobKey, Job> fresh = new LinkedHashMap<>();
            Instant now = Instant.now();
            JobOrigin origin = bundle == null ? JobOrigin.LOCAL : new JobOrigin(UUID.randomUUID().toString(), null,
                    bundle, (int) works.stream().map(w -> JobKey.of(w, w.targetIn(target))).distinct().count());
            for (JobWork work : works) {
                String into = work.targetIn(target);
                JobKey key = JobKey.of(work, into);
                Job job = bundle == null ? admission.active(key) : null;
                if (job == null) {
                    job = fresh.computeIfAbsent(key, k -> new Job(sequence.incrementAndGet(), new JobOrder(newId(now),
                            work, into, tokenName, origin, now, null, -1)));
                }
                accepted.add(job);
            }
            for (Job job : fresh.values()) {
                (admission.active(job.key()) != null ? parkedNow : created).add(job);
            }
            if (!admission.roomFor(created.size())) {
                throw new RetryLaterException(Reason.QUEUE_FULL, "job queue is full: " + admission.queued()
                        + " jobs waiting (capacity " + config.queueCapacity() + "), this submission needs "
                        + created.size() + " new jobs; nothing was enqueued: retry later, submit fewer repos, or "
                        + "raise mirror.jobs.queue-capacity", QUEUE_FULL_RETRY);
            }
            kept.checkRoomFor(List.copyOf(fresh.values()), config, now);
            for (Job job : created) {
                kept.keep(job);
                admission.enqueue(job);
            }
            for (Job job : parkedNow) {
                kept.keep(job);
                admission.admit(job);
            }
        }
        for (Job job : created) {
            LOGGER.infof("job queued" + JOB + " %s" + BUNDLE, job.id(), job.work().logFields(), job.origin().bundle());
            listener.admitted(job);
        }
        for (Job job : parkedNow) {
            LOGGER.infof("job parked behind an identical job" + JOB + " %s" + BUNDLE, job.id(), job.work().logFields(),
                    job.origin().bundle());
            listener.admitted(job);
        }
        drain();
        return accepted;
    }

    /**
     * The jobs of the latest submission that named bundle {@code name} (those this service still remembers), oldest
     * first; empty when none is known.
     */
    public List<JobSnapshot> bundle(String name) {
        return latestOfBundle(kept.all().stream().map(Job::snapshot).toList(), name);
    }

    /** Of {@code all}, the jobs of the latest request that named bundle {@code name}, oldest first. */
    public static List<JobSnapshot> latestOfBundle(Collection<JobSnapshot> all, String name) {
        List<JobSnapshot> named = all.stream().filter(j -> name.equals(j.origin().bundle()))
                .sorted(Comparator.comparing((JobSnapshot j) -> j.times().createdAt()).thenComparing(JobSnapshot::id))
                .toList();
        if (named.isEmpty()) {
            return List.of();
        }
        String latest = named.get(named.size() - 1).origin().requestId();
        return named.stream().filter(j -> Objects.equals(latest, j.origin().requestId())).toList();
    }

    /**
     * Admits an order: a job with the order's id, or the job already active under that id. An order identical to an
     * active job (same work and target) is parked and runs after it. Orders are never refused for a full queue.
     *
     * @throws MirrorException {@link Reason#INVALID_REQUEST} for a work that cannot run here (an unknown target or
     *     token name), {@link Reason#SHUTTING_DOWN} once the service stops
     */
    public Job admit(JobOrder order) {
        runners.check(order.work(), order.target(), order.tokenName());
        Job job;
        boolean park;
        synchronized (lock) {
            if (stopping) {
                throw new MirrorException(Reason.SHUTTING_DOWN, "the service is stopping and accepts no new jobs: job "
                        + order.id() + " is left to another instance");
            }
            Job known = kept.get(order.id());
            if (known != null && !known.status().finished()) {
                return known;
            }
            job = new Job(sequence.incrementAndGet(), order);
            kept.keep(job);
            park = admission.admit(job);
        }
        LOGGER.infof("job %s" + JOB + " %s" + REQUEST, park ? "parked behind an identical job" : "queued", job.id(),
                job.work().logFields(), job.origin().requestId());
        listener.admitted(job);
        drain();
        return job;
    }

    /**
     * Completes when a job slot is free and nobody waits for one: fewer jobs running and queued than
     * {@link JobConfig#concurrency()}. The caller then {@link #admit}s; callers that wait together are let through
     * one at a time, in order.
     */
    public Uni<Void> whenCapacity() {
        return Uni.createFrom().emitter(emitter -> {
            synchronized (lock) {
                capacityWaiters.addLast(emitter);
            }
            emitter.onTermination(() -> {
                synchronized (lock) {
                    capacityWaiters.remove(emitter);
                }
            });
            signalCapacity();
        });
    }

    /**
     * Stops the active jobs among {@code ids} without finishing them (their shard moved elsewhere): a running job is
     * unsubscribed, queued and parked jobs leave the queue; each is reported {@link JobListener#released}.
     */
    public void release(Collection<String> ids) {
        Set<String> wanted = Set.copyOf(ids);
        List<Job> released = new ArrayList<>();
        List<Cancellable> subscriptions = new ArrayList<>();
        synchronized (lock) {
            JobError cause = new JobError(Reason.CANCELLED, "released: its work moved to another instance");
            for (Job job : List.copyOf(kept.all())) {
                if (wanted.contains(job.id()) && !job.status().finished()) {
                    Cancellable subscription = cancelLocked(job, cause);
                    if (subscription != null) {
                        subscriptions.add(subscription);
                    }
                    released.add(job);
                }
            }
        }
        subscriptions.forEach(Cancellable::cancel);
        for (Job job : released) {
            LOGGER.infof("job released" + JOB + " %s", job.id(), job.work().logFields());
            listener.released(job);
        }
        drain();
    }

    /**
     * The job with this id.
     *
     * @throws MirrorException {@link Reason#JOB_NOT_FOUND} for an unknown or purged id
     */
    public Job get(String id) {
        Job job = kept.get(id);
        if (job == null) {
            throw notFound(id);
        }
        return job;
    }

    /** The job with this id, if this service remembers it. */
    public Optional<Job> find(String id) {
        return Optional.ofNullable(kept.get(id));
    }

    /** Remembered jobs, newest first, optionally only those with {@code status}, at most {@code limit}. */
    public List<Job> list(Optional<JobStatus> status, int limit) {
        return kept.all().stream()
                .filter(job -> status.isEmpty() || job.status() == status.get())
                .sorted(Comparator.comparingLong(Job::sequence).reversed())
                .limit(Math.max(0, limit))
                .toList();
    }

    /**
     * Cancels a job: a QUEUED job leaves the queue, a RUNNING job's run is unsubscribed (which aborts its in-flight
     * uploads). Either way the job is CANCELLED when this returns and its slot is free.
     *
     * @throws MirrorException {@link Reason#JOB_NOT_FOUND} for an unknown id, {@link Reason#JOB_FINISHED} when the
     *     job already finished
     */
    public Job cancel(String id) {
        Job job;
        Cancellable subscription;
        synchronized (lock) {
            job = kept.get(id == null ? "" : id);
            if (job == null) {
                throw notFound(id);
            }
            if (job.status().finished()) {
                throw new MirrorException(Reason.JOB_FINISHED, "job " + id + " (" + job.work().describe()
                        + ") already " + job.status() + ": nothing to cancel");
            }
            subscription = cancelLocked(job, new JobError(Reason.CANCELLED, "cancelled by a caller"));
        }
        if (subscription != null) {
            subscription.cancel();
        }
        LOGGER.infof("job cancelled" + JOB + " %s", job.id(), job.work().logFields());
        listener.finished(job);
        drain();
        return job;
    }

    /** Stops admitting jobs, cancels queued and running ones, and stops the purge timer. Idempotent. */
    public void stop() {
        List<Cancellable> subscriptions = new ArrayList<>();
        List<Job> stopped = new ArrayList<>();
        List<UniEmitter<? super Void>> waiters;
        synchronized (lock) {
            if (stopping) {
                return;
            }
            stopping = true;
            admission.stop();
            JobError cause = new JobError(Reason.CANCELLED, "cancelled because the service stopped: submit again");
            for (Job job : List.copyOf(kept.all())) {
                if (job.status().finished()) {
                    continue;
                }
                Cancellable subscription = cancelLocked(job, cause);
                if (subscription != null) {
                    subscriptions.add(subscription);
                }
                stopped.add(job);
            }
            waiters = List.copyOf(capacityWaiters);
            capacityWaiters.clear();
        }
        subscriptions.forEach(Cancellable::cancel);
        stopped.forEach(listener::released);
        waiters.forEach(w -> w.fail(new MirrorException(Reason.SHUTTING_DOWN, "the service is stopping")));
        if (purgeTimer >= 0) {
            vertx.cancelTimer(purgeTimer);
        }
        LOGGER.infof("job service stopped" + CANCELLED, stopped.size());
    }

    /**
     * The job records this service keeps and their estimated heap, against {@code mirror.jobs.max-retained*}
     * (without the oldest finished job's time).
     */
    public RetainedJobs retained() {
        synchronized (lock) {
            return kept.summary(false);
        }
    }

    /** Forgets finished jobs that finished before {@code cutoff}. */
    void purgeFinishedBefore(Instant cutoff) {
        int purged;
        synchronized (lock) {
            purged = kept.forgetFinishedBefore(cutoff);
        }
        if (purged > 0) {
            LOGGER.debugf("jobs purged" + COUNT, purged);
        }
    }

    /** Marks an active job CANCELLED and frees its place; returns the subscription to cancel outside the lock. */
    private Cancellable cancelLocked(Job job, JobError cause) {
        Cancellable subscription = admission.leave(job) == Admission.Place.RUNNING ? job.subscription() : null;
        kept.update(job, () -> job.markCancelled(cause, Instant.now()));
        return subscription;
    }

    /** Lets capacity waiters through while slots are free, one per free slot. */
    private void signalCapacity() {
        List<UniEmitter<? super Void>> ready = new ArrayList<>();
        synchronized (lock) {
            int free = admission.capacity();
            while (free-- > 0 && !capacityWaiters.isEmpty()) {
                ready.add(capacityWaiters.pollFirst());
            }
        }
        ready.forEach(emitter -> emitter.complete(null));
    }

    /** Starts queued jobs while slots are free. Re-entrant calls (a run completing synchronously) loop here. */
    private void drain() {
        if (drainRequests.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            Job next;
            while ((next = takeStartable()) != null) {
                start(next);
            }
            missed = drainRequests.addAndGet(-missed);
        } while (missed != 0);
        signalCapacity();
    }

    private Job takeStartable() {
        synchronized (lock) {
            Job job = admission.next();
            if (job != null) {
                job.markRunning(Instant.now());
            }
            return job;
        }
    }

    private void start(Job job) {
        LOGGER.infof("job started" + JOB + " %s", job.id(), job.work().logFields());
        listener.started(job);
        Uni<JobOutcome> run;
        try {
            run = runners.run(job.work(), job.target(), job.tokenName(), new Planning(job));
        } catch (RuntimeException e) {
            finish(job, null, e);
            return;
        }
        Cancellable subscription = run.subscribe().with(outcome -> finish(job, outcome, null),
                failure -> finish(job, null, failure));
        boolean cancelNow;
        synchronized (lock) {
            cancelNow = job.status() == JobStatus.CANCELLED;
            if (job.status() == JobStatus.RUNNING) {
                job.subscription(subscription);
            }
        }
        if (cancelNow) {
            // cancelled while we were subscribing: the cancel found no subscription to cancel
            subscription.cancel();
        }
    }

    /**
     * The error recorded for a failure: its reason and its message with every configured secret redacted. Messages
     * quote what came from outside (Hub paths, server messages), and the record feeds the job list, the SSE stream,
     * Kafka events and the log.
     */
    JobError error(Throwable failure) {
        JobError error = JobError.of(failure);
        return new JobError(error.reason(), secrets.redact(error.message()));
    }

    private void finish(Job job, JobOutcome outcome, Throwable failure) {
        synchronized (lock) {
            if (job.status() != JobStatus.RUNNING) {
                return;
            }
            admission.leave(job);
            if (failure == null) {
                kept.update(job, () -> job.markSucceeded(outcome, Instant.now()));
            } else {
                JobError error = error(failure);
                kept.update(job, () -> job.markFailed(error, Instant.now()));
            }
        }
        if (failure == null) {
            LOGGER.infof("job succeeded" + JOB + " %s" + COMMIT, job.id(), job.work().logFields(), job.commit());
        } else {
            LOGGER.warnf("job failed" + JOB + " %s" + ERROR + ": %s", job.id(), job.work().logFields(),
                    job.error().reason(), job.error().message());
        }
        listener.finished(job);
        drain();
    }

    /** The job's progress, telling the listener when the job planned its files. */
    private final class Planning implements MirrorProgress {
        private final Job job;

        Planning(Job job) {
            this.job = job;
        }

        @Override
        public void planned(String commit, int files, long bytes) {
            job.progress().planned(commit, files, bytes);
            if (job.status() == JobStatus.RUNNING) {
                listener.planned(job);
            }
        }

        @Override
        public void transferred(long bytes) {
            job.progress().transferred(bytes);
        }

        @Override
        public void fileDone(String path, long size, boolean skipped) {
            job.progress().fileDone(path, size, skipped);
        }
    }

    private MirrorException notFound(String id) {
        String shown = id == null ? "" : id.length() > 80 ? id.substring(0, 80) + "..." : id;
        return new MirrorException(Reason.JOB_NOT_FOUND, "no job '" + shown.replaceAll("\\p{Cntrl}", "?")
                + "': unknown id, or it finished more than " + config.retention() + " ago and was forgotten");
    }

    /** A time-ordered (version 7 layout) UUID: ids sort by creation time, the rest is random. */
    private String newId(Instant now) {
        long msb = (now.toEpochMilli() << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
        long lsb = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb).toString();
    }

    private static Duration clamp(Duration value, Duration min, Duration max) {
        return value.compareTo(min) < 0 ? min : value.compareTo(max) > 0 ? max : value;
    }
}
