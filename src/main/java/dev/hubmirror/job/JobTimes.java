package dev.hubmirror.job;

import java.time.Duration;
import java.time.Instant;

/**
 * When a job was accepted, first started and finished.
 *
 * @param createdAt  when the job was accepted
 * @param startedAt  when it started running (its first run, for a resumed job); {@code null} while queued
 * @param finishedAt when it finished; {@code null} until then
 */
public record JobTimes(Instant createdAt, Instant startedAt, Instant finishedAt) {

    /** A job accepted at {@code createdAt}, not started yet ({@code startedAt} of an earlier run, if any). */
    public static JobTimes accepted(Instant createdAt, Instant startedAt) {
        return new JobTimes(createdAt, startedAt, null);
    }

    /** These times, finished at {@code now}. */
    public JobTimes finishedAt(Instant now) {
        return new JobTimes(createdAt, startedAt, now);
    }

    /** Milliseconds from the first start (or the acceptance, for a job that never ran) to the end; null until then. */
    public Long durationMillis() {
        Instant start = startedAt != null ? startedAt : createdAt;
        return finishedAt == null || start == null ? null : Math.max(0, Duration.between(start, finishedAt).toMillis());
    }
}
