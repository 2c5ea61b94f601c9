package dev.hubmirror.job;

import dev.hubmirror.config.JobConfig;
import java.time.Instant;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The jobs a {@link JobService} remembers, by id, and their estimated heap ({@link JobFootprint}) against
 * {@code mirror.jobs.max-retained*}. Pure state: changes happen under the job service's lock; lookups may come from any
 * thread.
 */
final class KeptJobs {

    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    /** The footprint of every job in {@link #jobs}; guarded by the service's lock. */
    private long bytes;

    /** The job with this id, or {@code null}. */
    Job get(String id) {
        return id == null ? null : jobs.get(id);
    }

    /** Every remembered job, in no order. */
    Collection<Job> all() {
        return jobs.values();
    }

    /** Remembers a new job (replacing a finished one with its id). */
    void keep(Job job) {
        Job before = jobs.put(job.id(), job);
        if (before != null) {
            bytes -= before.footprint();
        }
        bytes += job.footprint();
    }

    /** Applies {@code change} to a kept job and counts what it added to the job's footprint. */
    void update(Job job, Runnable change) {
        long before = job.footprint();
        change.run();
        bytes += job.footprint() - before;
    }

    /** Forgets jobs that finished before {@code cutoff}; returns how many. */
    int forgetFinishedBefore(Instant cutoff) {
        int forgotten = 0;
        for (Iterator<Job> it = jobs.values().iterator(); it.hasNext();) {
            Job job = it.next();
            if (job.status().finished() && job.finishedAt().isBefore(cutoff)) {
                it.remove();
                bytes -= job.footprint();
                forgotten++;
            }
        }
        return forgotten;
    }

    /**
     * Refuses new jobs that do not fit {@code mirror.jobs.max-retained*} ({@link RetainedJobs#checkRoomFor}); the
     * oldest finished job is looked for only when they do not fit.
     */
    void checkRoomFor(List<Job> created, JobConfig config, Instant now) {
        long needed = 0;
        for (Job job : created) {
            needed += job.footprint();
        }
        boolean full = jobs.size() + created.size() > config.maxRetained()
                || bytes + needed > config.maxRetainedBytes().asLongValue();
        summary(full).checkRoomFor(created.size(), needed, config, now);
    }

    /** What is kept; the oldest finished job only when asked (it costs a scan). */
    RetainedJobs summary(boolean withOldest) {
        Instant oldestFinished = null;
        if (withOldest) {
            for (Job job : jobs.values()) {
                if (job.status().finished()
                        && (oldestFinished == null || job.finishedAt().isBefore(oldestFinished))) {
                    oldestFinished = job.finishedAt();
                }
            }
        }
        return new RetainedJobs(jobs.size(), bytes, oldestFinished);
    }
}
