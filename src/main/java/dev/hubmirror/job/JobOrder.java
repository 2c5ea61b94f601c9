package dev.hubmirror.job;

import dev.hubmirror.transfer.MirrorSpec;
import java.time.Instant;

/**
 * An order to run one job whose identity was decided elsewhere (a Kafka request): its id, what to mirror, where, with
 * which token name, for whom, and the shard of work it belongs to.
 *
 * @param id        the job id
 * @param spec      what to mirror
 * @param target    a configured target store's name; {@code null} for the default store
 * @param tokenName a configured token's name; {@code null} for the default token
 * @param requestId the request that asked for it
 * @param requester who asked (free text from the request)
 * @param createdAt when the request was accepted
 * @param startedAt when an earlier run of this job started (a resumed job); {@code null} for a fresh job
 * @param shard     the shard of work the job belongs to (the partition of its order); -1 for none
 */
public record JobOrder(String id, MirrorSpec spec, String target, String tokenName, String requestId,
        String requester, Instant createdAt, Instant startedAt, int shard) {

    /** The order to resume a recorded job. */
    public static JobOrder resume(JobRecord record) {
        JobSnapshot job = record.job();
        return new JobOrder(job.id(), new MirrorSpec(job.ref(), job.include(), job.exclude()), job.target(),
                record.tokenName(), job.requestId(), job.requester(), job.createdAt(), job.startedAt(),
                record.shard());
    }
}
