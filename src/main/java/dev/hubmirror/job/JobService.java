package dev.hubmirror.job;

import dev.hubmirror.config.JobConfig;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.transfer.MirrorOutcome;
import dev.hubmirror.transfer.MirrorSpec;
import dev.hubmirror.transfer.SnapshotMirror;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * the slot for the next queued job. Finished jobs are forgotten after {@link JobConfig#retention()}.
 */
@ApplicationScoped
public class JobService {

    private static final Logger LOGGER = Logger.getLogger(JobService.class);
    private static final Duration MIN_PURGE_INTERVAL = Duration.ofSeconds(1);
    private static final Duration MAX_PURGE_INTERVAL = Duration.ofMinutes(5);

    private final JobConfig config;
    private final SnapshotMirror mirror;
    private final Vertx vertx;
    private final SecureRandom random = new SecureRandom();
    private final AtomicLong sequence = new AtomicLong();
    /** Drain guard: only one thread starts jobs at a time; others leave a note and return. */
    private final AtomicInteger drainRequests = new AtomicInteger();

    /** Every job still remembered, by id. Mutated under {@link #lock} except for purging finished jobs. */
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();

    private final Object lock = new Object();
    /** QUEUED jobs in arrival order; guarded by {@link #lock}. */
    private final ArrayDeque<Job> queue = new ArrayDeque<>();
    /** QUEUED and RUNNING jobs by dedupe key; guarded by {@link #lock}. */
    private final Map<JobKey, Job> active = new HashMap<>();
    /** RUNNING jobs; guarded by {@link #lock}. */
    private int running;
    /** Set once the service stops; guarded by {@link #lock}. */
    private boolean stopping;
    private volatile long purgeTimer = -1;

    @Inject
    public JobService(JobConfig config, SnapshotMirror mirror, Vertx vertx) {
        if (config.concurrency() < 1) {
            throw new IllegalStateException("mirror.jobs.concurrency is " + config.concurrency() + ": use 1 or more");
        }
        if (config.queueCapacity() < 0) {
            throw new IllegalStateException(
                    "mirror.jobs.queue-capacity is " + config.queueCapacity() + ": use 0 or more");
        }
        this.config = config;
        this.mirror = mirror;
        this.vertx = vertx;
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
        if (specs == null || specs.isEmpty()) {
            throw new MirrorException(Reason.INVALID_REQUEST, "nothing to mirror: name at least one repo");
        }
        List<Job> accepted = new ArrayList<>(specs.size());
        List<Job> created = new ArrayList<>();
        synchronized (lock) {
            if (stopping) {
                throw new MirrorException(Reason.SHUTTING_DOWN,
                        "the service is stopping and accepts no new jobs: submit again to another instance or later");
            }
            Map<JobKey, Job> fresh = new LinkedHashMap<>();
            Instant now = Instant.now();
            for (MirrorSpec spec : specs) {
                JobKey key = JobKey.of(spec);
                Job job = active.get(key);
                if (job == null) {
                    job = fresh.computeIfAbsent(key, k -> new Job(newId(now), sequence.incrementAndGet(), spec, now));
                }
                accepted.add(job);
            }
            created.addAll(fresh.values());
            int freeSlots = Math.max(0, config.concurrency() - running);
            int wouldWait = queue.size() + created.size() - freeSlots;
            if (wouldWait > config.queueCapacity()) {
                throw new MirrorException(Reason.QUEUE_FULL, "job queue is full: " + queue.size()
                        + " jobs waiting (capacity " + config.queueCapacity() + "), this submission needs "
                        + created.size() + " new jobs; nothing was enqueued: retry later, submit fewer repos, or "
                        + "raise mirror.jobs.queue-capacity");
            }
            for (Job job : created) {
                jobs.put(job.id(), job);
                active.put(job.key(), job);
                queue.addLast(job);
            }
        }
        for (Job job : created) {
            LOGGER.infof("job queued job=%s repo=%s revision=%s", job.id(), job.ref().id(), job.ref().revision());
        }
        drain();
        return accepted;
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
                throw new MirrorException(Reason.JOB_FINISHED, "job " + id + " (" + job.ref() + ") already "
                        + job.status() + ": nothing to cancel");
            }
            subscription = cancelLocked(job, new JobError(Reason.CANCELLED, "cancelled by a caller"));
        }
        if (subscription != null) {
            subscription.cancel();
        }
        LOGGER.infof("job cancelled job=%s repo=%s revision=%s", job.id(), job.ref().id(), job.ref().revision());
        drain();
        return job;
    }

    /** Stops admitting jobs, cancels queued and running ones, and stops the purge timer. Idempotent. */
    public void stop() {
        List<Cancellable> subscriptions = new ArrayList<>();
        int cancelled = 0;
        synchronized (lock) {
            if (stopping) {
                return;
            }
            stopping = true;
            JobError cause = new JobError(Reason.CANCELLED, "cancelled because the service stopped: submit again");
            for (Job job : List.copyOf(active.values())) {
                Cancellable subscription = cancelLocked(job, cause);
                if (subscription != null) {
                    subscriptions.add(subscription);
                }
                cancelled++;
            }
        }
        subscriptions.forEach(Cancellable::cancel);
        if (purgeTimer >= 0) {
            vertx.cancelTimer(purgeTimer);
        }
        LOGGER.infof("job service stopped cancelled=%d", cancelled);
    }

    /** Forgets finished jobs that finished before {@code cutoff}. */
    void purgeFinishedBefore(Instant cutoff) {
        int before = jobs.size();
        jobs.values().removeIf(job -> job.status().finished() && job.finishedAt().isBefore(cutoff));
        int purged = before - jobs.size();
        if (purged > 0) {
            LOGGER.debugf("jobs purged count=%d", purged);
        }
    }

    /** Marks an active job CANCELLED and frees its slot; returns the subscription to cancel outside the lock. */
    private Cancellable cancelLocked(Job job, JobError cause) {
        Cancellable subscription = null;
        if (job.status() == JobStatus.QUEUED) {
            queue.remove(job);
        } else {
            running--;
            subscription = job.subscription();
        }
        active.remove(job.key(), job);
        job.markCancelled(cause, Instant.now());
        return subscription;
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
        LOGGER.infof("job started job=%s repo=%s revision=%s", job.id(), job.ref().id(), job.ref().revision());
        Uni<MirrorOutcome> run;
        try {
            run = mirror.mirror(job.spec(), job.progress());
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

    private void finish(Job job, MirrorOutcome outcome, Throwable failure) {
        synchronized (lock) {
            if (job.status() != JobStatus.RUNNING) {
                return;
            }
            running--;
            active.remove(job.key(), job);
            if (failure == null) {
                job.markSucceeded(outcome, Instant.now());
            } else {
                job.markFailed(JobError.of(failure), Instant.now());
            }
        }
        if (failure == null) {
            LOGGER.infof("job succeeded job=%s repo=%s revision=%s commit=%s", job.id(), job.ref().id(),
                    job.ref().revision(), job.commit());
        } else {
            LOGGER.warnf("job failed job=%s repo=%s revision=%s error=%s: %s", job.id(), job.ref().id(),
                    job.ref().revision(), job.error().reason(), job.error().message());
        }
        drain();
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
