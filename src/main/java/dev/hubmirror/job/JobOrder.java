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
 * @param artifact  an image or chart to copy instead of a Hub repo ({@code spec} is then null)
 * @param bundle    the bundle the job belongs to; {@code null} for none
 * @param bundleSize the number of jobs of that bundle (0 without one)
 */
public record JobOrder(String id, MirrorSpec spec, String target, String tokenName, String requestId,
        String requester, Instant createdAt, Instant startedAt, int shard, ArtifactSpec artifact, String bundle,
        int bundleSize) {

    /**
     * Validates that the order names exactly one of a spec and an artifact.
     *
     * @throws IllegalArgumentException otherwise
     */
    public JobOrder {
        if ((spec == null) == (artifact == null)) {
            throw new IllegalArgumentException("a job order names either a repo or an image/chart");
        }
    }

    /** An order for a Hub repo, in no bundle. */
    public JobOrder(String id, MirrorSpec spec, String target, String tokenName, String requestId, String requester,
            Instant createdAt, Instant startedAt, int shard) {
        this(id, spec, target, tokenName, requestId, requester, createdAt, startedAt, shard, null, null, 0);
    }

    /** The order to resume a recorded job. */
    public static JobOrder resume(JobRecord record) {
        JobSnapshot job = record.job();
        return new JobOrder(job.id(), job.ref() == null ? null : new MirrorSpec(job.ref(), job.include(),
                job.exclude()), job.target(), record.tokenName(), job.requestId(), job.requester(), job.createdAt(),
                job.startedAt(), record.shard(), job.artifact(), job.bundle(), job.bundleSize());
    }
}
