package dev.hubmirror.job;

import dev.hubmirror.config.JobConfig;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.failure.RetryLaterException;
import dev.hubmirror.failure.Secrets;
import dev.hubmirror.transfer.MirrorOutcome;
import dev.hubmirror.transfer.MirrorProgress;
import dev.hubmirror.transfer.MirrorSpec;
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
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Admits, queues, runs, cancels and forgets mirror jobs on this instance.
 *
 * <p>Admission: a submission is all or nothing; it is refused ({@link Reason#QUEUE_FULL}) when its new jobs would not
 * fit in the queue ({@link JobConfig#queueCapacity()}). A spec equal to a QUEUED or RUNNING job (same type, repo,
 * revision and patterns) returns that job instead of a new one. At most {@link JobConfig#concurrency()} jobs run at
 * once; no thread is held per job: a job is a subscription to {@link SnapshotMirror#mirror}, and its completion frees
 * the slot for the next queued job. Finished jobs are forgotten after {@link JobConfig#retention()}. What the service
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
    private final SnapshotMirrors mirrors;
    private final Vertx vertx;
    private volatile JobListener listener = JobListener.NONE;
    /** Listeners besides the replaceable one (the bundle tracker); they hear every transition too. */
    private final java.util.List<JobListener> others = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Both kinds of listener as one. */
    private final JobListener listeners = new JobListener() {
        @Override
        public void admitted(Job job) {
            listener.admitted(job);
            others.forEach(l -> l.admitted(job));
        }

        @Override
        public void started(Job job) {
            listener.started(job);
            others.forEach(l -> l.started(job));
        }

        @Override
        public void planned(Job job) {
            listener.planned(job);
            others.forEach(l -> l.planned(job));
        }

        @Override
        public void finished(Job job) {
            listener.finished(job);
            others.forEach(l -> l.finished(job));
        }

        @Override
        public void released(Job job) {
            listener.released(job);
            others.forEach(l -> l.released(job));
        }
    };
    private final SecureRandom random = new SecureRandom();
    private final AtomicLong sequence = new AtomicLong();
    /** Drain guard: only one thread starts jobs at a time; others leave a note and return. */
    private final AtomicInteger drainRequests = new AtomicInteger();

    /** Every job still remembered, by id. Mutated under {@link #lock}. */
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();

    private final Object lock = new Object();
    /** QUEUED jobs in arrival order; guarded by {@link #lock}. */
    private final ArrayDeque<Job> queue = new ArrayDeque<>();
    /** QUEUED and RUNNING jobs by dedupe key; guarded by {@link #lock}. */
    private final Map<JobKey, Job> active = new HashMap<>();
    /** QUEUED orders identical to an active job, waiting for it to finish, by key; guarded by {@link #lock}. */
    private final Map<JobKey, ArrayDeque<Job>> parked = new HashMap<>();
    /** Callers of {@link #whenCapacity()} waiting for a free slot; guarded by {@link #lock}. */
    private final ArrayDeque<UniEmitter<? super Void>> capacityWaiters = new ArrayDeque<>();
    /** RUNNING jobs; guarded by {@link #lock}. */
    private int running;
    /** The estimated heap of every job in {@link #jobs} ({@link JobFootprint}); guarded by {@link #lock}. */
    private long retainedBytes;
    /** Set once the service stops; guarded by {@link #lock}. */
    private boolean stopping;
    private volatile long purgeTimer = -1;
    /** Redacts every configured secret from the failure messages this service records; set by CDI. */
    @Inject
    Secrets secrets = Secrets.NONE;
    /** Runs image and chart jobs; set by CDI (none: they are refused at submission). */
    @Inject
    ArtifactMirror artifacts = ArtifactMirror.NONE;

    /** A service that runs every job with {@code mirror} (no named targets or tokens). */
    public JobService(JobConfig config, SnapshotMirror mirror, Vertx vertx) {
        this(config, SnapshotMirrors.single(mirror), vertx);
    }

    @Inject
    public JobService(JobConfig config, SnapshotMirrors mirrors, Vertx vertx) {
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
        this.mirrors = mirrors;
        this.vertx = vertx;
    }

    /** Sends every later transition to {@code jobListener} (replacing the previous listener). */
    public void listen(JobListener jobListener) {
        this.listener = jobListener == null ? JobListener.NONE : jobListener;
    }

    /** Sends every later transition to {@code jobListener} as well, whatever {@link #listen} sets. */
    public void also(JobListener jobListener) {
        others.add(jobListener);
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
     * Accepts one job per spec, in order. Specs equal to an active job (or to an earlier spec of the same submission)
     * map to that job. Nothing is enqueued when the submission is refused.
     *
     * @throws MirrorException {@link Reason#INVALID_REQUEST} for an empty list, {@link Reason#QUEUE_FULL} when the new
     *     jobs do not fit in the queue, {@link Reason#SHUTTING_DOWN} once the service stops
     */
    public List<Job> submit(List<MirrorSpec> specs) {
        return submit(specs, null, null);
    }

    /**
     * As {@link #submit(List)}, into the configured target store {@code target} with the configured token
     * {@code tokenName} ({@code null}: the defaults). Specs equal to an active job in the same target map to it.
     *
     * @throws MirrorException also {@link Reason#INVALID_REQUEST} for a name that is not configured
     */
    public List<Job> submit(List<MirrorSpec> specs, String target, String tokenName) {
        return submitWork(specs == null ? null : specs.stream().map(JobWork::of).toList(), target, tokenName, null);
    }

    /**
     * As {@link #submit(List, String, String)}, for repos and images/charts alike; the jobs belong to bundle
     * {@code bundle} ({@code null}: none). Images and charts go to the target registry whatever {@code target} says
     * (it names a store).
     *
     * @throws MirrorException also {@link Reason#INVALID_REQUEST} for a name that is not configured
     */
    public List<Job> submitWork(List<JobWork> work, String target, String tokenName, String bundle) {
        if (work == null || work.isEmpty()) {
            throw new MirrorException(Reason.INVALID_REQUEST, "nothing to mirror: name at least one repo");
        }
        mirrors.check(target, tokenName);
        List<Job> accepted = new ArrayList<>(work.size());
        List<Job> created = new ArrayList<>();
        List<Job> parkedNow = new ArrayList<>();
        synchronized (lock) {
            if (stopping) {
                throw new MirrorException(Reason.SHUTTING_DOWN,
                        "the service is stopping and accepts no new jobs: submit again to another instance or later");
            }
            Map<JobKey, Job> fresh = new LinkedHashMap<>();
            Instant now = Instant.now();
            // a bundle's jobs are its own (identical active work makes them wait behind it, as Kafka orders do), so
            // that the bundle knows when each of its jobs is final
            String requestId = bundle == null ? null : UUID.randomUUID().toString();
            int bundleSize = bundle == null ? 0 : (int) work.stream().map(w -> w.key(target)).distinct().count();
            for (JobWork item : work) {
                JobKey key = item.key(target);
                Job job = bundle == null ? active.get(key) : null;
                if (job == null) {
                    job = fresh.computeIfAbsent(key, k -> new Job(sequence.incrementAndGet(), new JobOrder(newId(now),
                            item.spec(), item.artifact() == null ? target : null, tokenName, requestId, null, now,
                            null, -1, item.artifact(), bundle, bundleSize)));
                }
                accepted.add(job);
            }
            for (Job job : fresh.values()) {
                (active.containsKey(job.key()) ? parkedNow : created).add(job);
            }
            int freeSlots = Math.max(0, config.concurrency() - running);
            int wouldWait = queue.size() + created.size() - freeSlots;
            if (wouldWait > config.queueCapacity()) {
                throw new RetryLaterException(Reason.QUEUE_FULL, "job queue is full: " + queue.size()
                        + " jobs waiting (capacity " + config.queueCapacity() + "), this submission needs "
                        + created.size() + " new jobs; nothing was enqueued: retry later, submit fewer repos, or "
                        + "raise mirror.jobs.queue-capacity", QUEUE_FULL_RETRY);
            }
            List<Job> all = new ArrayList<>(created);
            all.addAll(parkedNow);
            checkRetainedLocked(all, now);
            for (Job job : created) {
                retainLocked(job);
                active.put(job.key(), job);
                queue.addLast(job);
            }
            for (Job job : parkedNow) {
                retainLocked(job);
                parked.computeIfAbsent(job.key(), k -> new ArrayDeque<>()).addLast(job);
            }
        }
        for (Job job : created) {
            LOGGER.infof("job queued job=%s repo=%s revision=%s bundle=%s", job.id(), job.subject(),
                    job.revisionLabel(), job.bundle());
            listeners.admitted(job);
        }
        for (Job job : parkedNow) {
            LOGGER.infof("job parked behind an identical job job=%s repo=%s revision=%s bundle=%s", job.id(),
                    job.subject(), job.revisionLabel(), job.bundle());
            listeners.admitted(job);
        }
        drain();
        return accepted;
    }

    /**
     * The jobs of the latest submission that named bundle {@code name} (those this service still remembers), in
     * submission order; empty when none is known.
     */
    public List<JobSnapshot> bundle(String name) {
        return latestOfBundle(jobs.values().stream().map(Job::snapshot).toList(), name);
    }

    /** Of {@code all}, the jobs of the latest request that named bundle {@code name}, oldest first. */
    public static List<JobSnapshot> latestOfBundle(Collection<JobSnapshot> all, String name) {
        List<JobSnapshot> named = all.stream().filter(j -> name.equals(j.bundle()))
                .sorted(Comparator.comparing(JobSnapshot::createdAt).thenComparing(JobSnapshot::id)).toList();
        if (named.isEmpty()) {
            return List.of();
        }
        String latest = named.get(named.size() - 1).requestId();
        return named.stream().filter(j -> java.util.Objects.equals(latest, j.requestId())).toList();
    }

    /**
     * Admits an order: a job with the order's id, or the job already active under that id. An order identical to an
     * active job (same repo, revision, patterns and target) is parked and runs after it. Orders are never refused for
     * a full queue.
     *
     * @throws MirrorException {@link Reason#INVALID_REQUEST} for an unknown target or token name,
     *     {@link Reason#SHUTTING_DOWN} once the service stops
     */
    public Job admit(JobOrder order) {
        mirrors.check(order.target(), order.tokenName());
        Job job;
        boolean park;
        synchronized (lock) {
            if (stopping) {
                throw new MirrorException(Reason.SHUTTING_DOWN, "the service is stopping and accepts no new jobs: job "
                        + order.id() + " is left to another instance");
            }
            Job known = jobs.get(order.id());
            if (known != null && !known.status().finished()) {
                return known;
            }
            job = new Job(sequence.incrementAndGet(), order);
            retainLocked(job);
            park = active.containsKey(job.key());
            if (park) {
                parked.computeIfAbsent(job.key(), k -> new ArrayDeque<>()).addLast(job);
            } else {
                active.put(job.key(), job);
                queue.addLast(job);
            }
        }
        LOGGER.infof("job %s job=%s repo=%s revision=%s request=%s", park ? "parked behind an identical job" : "queued",
                job.id(), job.subject(), job.revisionLabel(), job.requestId());
        listeners.admitted(job);
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
     * Stops the active jobs among {@code ids} without finishing them (their shard moved elsewhere): a running mirror
     * is unsubscribed, queued and parked jobs leave the queue; each is reported {@link JobListener#released}.
     */
    public void release(Collection<String> ids) {
        Set<String> wanted = Set.copyOf(ids);
        List<Job> released = new ArrayList<>();
        List<Cancellable> subscriptions = new ArrayList<>();
        synchronized (lock) {
            JobError cause = new JobError(Reason.CANCELLED, "released: its work moved to another instance");
            for (Job job : List.copyOf(jobs.values())) {
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
            LOGGER.infof("job released job=%s repo=%s revision=%s", job.id(), job.subject(), job.revisionLabel());
            listeners.released(job);
        }
        drain();
    }

    /**
     * The job with this id.
     *
     * @throws MirrorException {@link Reason#JOB_NOT_FOUND} for an unknown or purged id
     */
    public Job get(String id) {
        Job job = id == null ? null : jobs.get(id);
        if (job == null) {
            throw notFound(id);
        }
        return job;
    }

    /** The job with this id, if this service remembers it. */
    public Optional<Job> find(String id) {
        return Optional.ofNullable(id == null ? null : jobs.get(id));
    }

    /** Remembered jobs, newest first, optionally only those with {@code status}, at most {@code limit}. */
    public List<Job> list(Optional<JobStatus> status, int limit) {
        return jobs.values().stream()
                .filter(job -> status.isEmpty() || job.status() == status.get())
                .sorted(Comparator.comparingLong(Job::sequence).reversed())
                .limit(Math.max(0, limit))
                .toList();
    }

    /**
     * Cancels a job: a QUEUED job leaves the queue, a RUNNING job's mirror is unsubscribed (which aborts its
     * in-flight uploads). Either way the job is CANCELLED when this returns and its slot is free.
     *
     * @throws MirrorException {@link Reason#JOB_NOT_FOUND} for an unknown id, {@link Reason#JOB_FINISHED} when the
     *     job already finished
     */
    public Job cancel(String id) {
        Job job;
        Cancellable subscription;
        synchronized (lock) {
            job = jobs.get(id == null ? "" : id);
            if (job == null) {
                throw notFound(id);
            }
            if (job.status().finished()) {
                throw new MirrorException(Reason.JOB_FINISHED, "job " + id + " (" + job.describe() + ") already "
                        + job.status() + ": nothing to cancel");
            }
            subscription = cancelLocked(job, new JobError(Reason.CANCELLED, "cancelled by a caller"));
        }
        if (subscription != null) {
            subscription.cancel();
        }
        LOGGER.infof("job cancelled job=%s repo=%s revision=%s", job.id(), job.subject(), job.revisionLabel());
        listeners.finished(job);
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
            JobError cause = new JobError(Reason.CANCELLED, "cancelled because the service stopped: submit again");
            for (Job job : List.copyOf(jobs.values())) {
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
        stopped.forEach(listeners::released);
        waiters.forEach(w -> w.fail(new MirrorException(Reason.SHUTTING_DOWN, "the service is stopping")));
        if (purgeTimer >= 0) {
            vertx.cancelTimer(purgeTimer);
        }
        LOGGER.infof("job service stopped cancelled=%d", stopped.size());
    }

    /**
     * The job records this service keeps and their estimated heap, against {@code mirror.jobs.max-retained*}
     * (without the oldest finished job's time).
     */
    public RetainedJobs retained() {
        synchronized (lock) {
            return retainedLocked(false);
        }
    }

    /** Forgets finished jobs that finished before {@code cutoff}. */
    void purgeFinishedBefore(Instant cutoff) {
        int purged = 0;
        synchronized (lock) {
            for (Iterator<Job> it = jobs.values().iterator(); it.hasNext();) {
                Job job = it.next();
                if (job.status().finished() && job.finishedAt().isBefore(cutoff)) {
                    it.remove();
                    retainedBytes -= job.footprint();
                    purged++;
                }
            }
        }
        if (purged > 0) {
            LOGGER.debugf("jobs purged count=%d", purged);
        }
    }

    /** Keeps a new job and counts its footprint. */
    private void retainLocked(Job job) {
        Job before = jobs.put(job.id(), job);
        if (before != null) {
            retainedBytes -= before.footprint();
        }
        retainedBytes += job.footprint();
    }

    /** Refuses a submission whose new jobs do not fit {@code mirror.jobs.max-retained*} ({@link RetainedJobs}). */
    private void checkRetainedLocked(List<Job> created, Instant now) {
        long needed = 0;
        for (Job job : created) {
            needed += job.footprint();
        }
        boolean full = jobs.size() + created.size() > config.maxRetained()
                || retainedBytes + needed > config.maxRetainedBytes().asLongValue();
        retainedLocked(full).checkRoomFor(created.size(), needed, config, now);
    }

    /** What this service keeps; the oldest finished job only when asked (it costs a scan). */
    private RetainedJobs retainedLocked(boolean withOldest) {
        Instant oldestFinished = null;
        if (withOldest) {
            for (Job job : jobs.values()) {
                if (job.status().finished()
                        && (oldestFinished == null || job.finishedAt().isBefore(oldestFinished))) {
                    oldestFinished = job.finishedAt();
                }
            }
        }
        return new RetainedJobs(jobs.size(), retainedBytes, oldestFinished);
    }

    /** Marks an active job CANCELLED and frees its slot; returns the subscription to cancel outside the lock. */
    private Cancellable cancelLocked(Job job, JobError cause) {
        Cancellable subscription = null;
        ArrayDeque<Job> waiting = parked.get(job.key());
        if (waiting != null && waiting.remove(job)) {
            if (waiting.isEmpty()) {
                parked.remove(job.key());
            }
        } else if (job.status() == JobStatus.QUEUED) {
            queue.remove(job);
            leaveActiveLocked(job);
        } else {
            running--;
            subscription = job.subscription();
            leaveActiveLocked(job);
        }
        long before = job.footprint();
        job.markCancelled(cause, Instant.now());
        retainedBytes += job.footprint() - before;
        return subscription;
    }

    /** Removes an active job; the first order parked behind it (if any) takes its place at the queue's head. */
    private void leaveActiveLocked(Job job) {
        if (!active.remove(job.key(), job)) {
            return;
        }
        ArrayDeque<Job> waiting = parked.get(job.key());
        if (waiting != null) {
            Job next = waiting.pollFirst();
            if (waiting.isEmpty()) {
                parked.remove(job.key());
            }
            if (next != null && !stopping) {
                active.put(next.key(), next);
                queue.addFirst(next);
            }
        }
    }

    /** Lets capacity waiters through while slots are free, one per free slot. */
    private void signalCapacity() {
        List<UniEmitter<? super Void>> ready = new ArrayList<>();
        synchronized (lock) {
            int free = config.concurrency() - running - queue.size();
            while (free-- > 0 && !capacityWaiters.isEmpty()) {
                ready.add(capacityWaiters.pollFirst());
            }
        }
        ready.forEach(emitter -> emitter.complete(null));
    }

    /** Starts queued jobs while slots are free. Re-entrant calls (a mirror completing synchronously) loop here. */
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
            if (stopping || running >= config.concurrency() || queue.isEmpty()) {
                return null;
            }
            Job job = queue.removeFirst();
            running++;
            job.markRunning(Instant.now());
            return job;
        }
    }

    private void start(Job job) {
        LOGGER.infof("job started job=%s repo=%s revision=%s", job.id(), job.subject(), job.revisionLabel());
        listeners.started(job);
        Uni<Object> run;
        try {
            run = job.artifact() != null ? artifacts.mirror(job.artifact(), new Planning(job)).map(o -> (Object) o)
                    : mirrors.mirror(job.target(), job.tokenName()).mirror(job.spec(), new Planning(job))
                            .map(o -> (Object) o);
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

    private void finish(Job job, Object outcome, Throwable failure) {
        synchronized (lock) {
            if (job.status() != JobStatus.RUNNING) {
                return;
            }
            running--;
            leaveActiveLocked(job);
            long before = job.footprint();
            if (failure == null && outcome instanceof ArtifactOutcome artifact) {
                job.markSucceeded(artifact, Instant.now());
            } else if (failure == null) {
                job.markSucceeded((MirrorOutcome) outcome, Instant.now());
            } else {
                job.markFailed(error(failure), Instant.now());
            }
            retainedBytes += job.footprint() - before;
        }
        if (failure == null) {
            LOGGER.infof("job succeeded job=%s repo=%s revision=%s commit=%s", job.id(), job.subject(),
                    job.revisionLabel(), job.commit());
        } else {
            LOGGER.warnf("job failed job=%s repo=%s revision=%s error=%s: %s", job.id(), job.subject(),
                    job.revisionLabel(), job.error().reason(), job.error().message());
        }
        listeners.finished(job);
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
                listeners.planned(job);
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
