package dev.hubmirror.job;

import dev.hubmirror.config.JobConfig;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.failure.RetryLaterException;
import java.time.Duration;
import java.time.Instant;

/**
 * The job records an instance keeps, against their bounds ({@code mirror.jobs.max-retained},
 * {@code mirror.jobs.max-retained-bytes}).
 *
 * @param count          the records kept: queued, running, and finished within the retention
 * @param bytes          their estimated heap ({@link JobFootprint})
 * @param oldestFinished when the earliest finished job among them finished; {@code null} when none finished or it
 *                       was not looked for
 */
public record RetainedJobs(int count, long bytes, Instant oldestFinished) {

    /** Retry-After when every kept job is still active: room frees only once some finish and expire. */
    private static final Duration NOTHING_FINISHED_RETRY = Duration.ofMinutes(1);

    /**
     * Refuses a submission of {@code jobs} new jobs holding about {@code needed} bytes that would exceed the bounds:
     * 413 {@link Reason#REQUEST_TOO_LARGE} when it alone exceeds the bytes (it can never fit), else 429
     * {@link Reason#TOO_MANY_JOBS} with a Retry-After of when the oldest finished job is forgotten.
     */
    public void checkRoomFor(int jobs, long needed, JobConfig config, Instant now) {
        long maxBytes = config.maxRetainedBytes().asLongValue();
        if (needed > maxBytes) {
            throw new MirrorException(Reason.REQUEST_TOO_LARGE, "this submission would hold about " + needed
                    + " bytes of job records, more than mirror.jobs.max-retained-bytes (" + maxBytes + ") allows for "
                    + "all jobs together; nothing was submitted: submit fewer repos or patterns at once");
        }
        if ((long) count + jobs <= config.maxRetained() && bytes + needed <= maxBytes) {
            return;
        }
        Duration retryAfter = oldestFinished == null ? NOTHING_FINISHED_RETRY
                : Duration.between(now, oldestFinished.plus(config.retention()));
        throw new RetryLaterException(Reason.TOO_MANY_JOBS, "this instance keeps " + count + " job records (about "
                + bytes + " bytes) and may keep at most " + config.maxRetained() + " (mirror.jobs.max-retained) and "
                + maxBytes + " bytes (mirror.jobs.max-retained-bytes); this submission needs " + jobs
                + " more (about " + needed + " bytes); nothing was submitted: retry later (finished jobs are "
                + "forgotten after mirror.jobs.retention, " + config.retention() + "), or raise the limits",
                retryAfter);
    }
}
