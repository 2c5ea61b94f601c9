package dev.hubmirror.job;

import java.time.Instant;

/**
 * An order to run one job whose identity was decided elsewhere (a Kafka request, a recorded job to resume, or a local
 * submission): its id, what to do, where, with which token name, for whom, and the shard of work it belongs to.
 *
 * @param id        the job id
 * @param work      what to do
 * @param target    a configured target's name; {@code null} for the default target
 * @param tokenName a configured token's name; {@code null} for the default token
 * @param origin    who asked
 * @param createdAt when the request was accepted
 * @param startedAt when an earlier run of this job started (a resumed job); {@code null} for a fresh job
 * @param shard     the shard of work the job belongs to (the partition of its order); -1 for none
 */
public record JobOrder(String id, JobWork work, String target, String tokenName, JobOrigin origin,
        Instant createdAt, Instant startedAt, int shard) {

    public JobOrder {
        origin = origin == null ? JobOrigin.LOCAL : origin;
    }

    /** The order to resume a recorded job. */
    public static JobOrder resume(JobRecord record) {
        JobSnapshot job = record.job();
        return new JobOrder(job.id(), job.work(), job.target(), record.tokenName(), job.origin(),
                job.times().createdAt(), job.times().startedAt(), record.shard());
    }
}
