package dev.hubmirror.job;

import java.time.Instant;

/**
 * A job's state at one moment, immutable: what the API shows, what events are built from, what the job-state store
 * keeps. A new piece of state goes into the part it belongs to (and that part's wire mappings), not here.
 *
 * @param id       the job id
 * @param origin   who asked for it
 * @param work     what it does (its kind and parameters)
 * @param target   the target's name; {@code null} for the default target
 * @param status   where it is in its life
 * @param progress how far it got
 * @param times    when it was accepted, started, finished
 * @param outcome  what it resolved to and how it ended
 */
public record JobSnapshot(String id, JobOrigin origin, JobWork work, String target, JobStatus status,
        JobProgress progress, JobTimes times, JobOutcome outcome) {

    public JobSnapshot {
        origin = origin == null ? JobOrigin.LOCAL : origin;
        progress = progress == null ? JobProgress.NONE : progress;
        outcome = outcome == null ? JobOutcome.NONE : outcome;
    }

    /** A job that was accepted and waits for its first run. */
    public static JobSnapshot queued(JobOrder order) {
        return new JobSnapshot(order.id(), order.origin(), order.work(), order.target(), JobStatus.QUEUED,
                JobProgress.NONE, JobTimes.accepted(order.createdAt(), null), JobOutcome.NONE);
    }

    /** This job, finished with {@code finalStatus} and {@code cause} at {@code now} (without running further). */
    public JobSnapshot finish(JobStatus finalStatus, JobError cause, Instant now) {
        return new JobSnapshot(id, origin, work, target, finalStatus, progress, times.finishedAt(now),
                outcome.endedBy(cause));
    }
}
