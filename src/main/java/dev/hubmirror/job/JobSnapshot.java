package dev.hubmirror.job;

import dev.hubmirror.hub.RepoRef;
import java.time.Instant;
import java.util.List;

/**
 * A job's state at one moment, immutable: what the API shows, what events are built from, what the job-state store
 * keeps. Counters follow {@link Job}'s meaning.
 *
 * @param requestId the request that asked for it; {@code null} for a local submission
 * @param requester who asked; {@code null} for a local submission
 * @param target    the target store's name; {@code null} for the default store
 */
public record JobSnapshot(
        String id,
        String requestId,
        String requester,
        RepoRef ref,
        List<String> include,
        List<String> exclude,
        String target,
        JobStatus status,
        String commit,
        int filesDone,
        int filesTotal,
        int filesSkipped,
        long bytesDone,
        long bytesTotal,
        String snapshotUrl,
        JobError error,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt) {

    public JobSnapshot {
        include = include == null ? List.of() : List.copyOf(include);
        exclude = exclude == null ? List.of() : List.copyOf(exclude);
    }

    /** A job that was accepted and waits for its first run. */
    public static JobSnapshot queued(JobOrder order) {
        return new JobSnapshot(order.id(), order.requestId(), order.requester(), order.spec().ref(),
                order.spec().include(), order.spec().exclude(), order.target(), JobStatus.QUEUED, null, 0, 0, 0, 0,
                0, null, null, order.createdAt(), null, null);
    }

    /** This job, finished with {@code status} and {@code error} at {@code now} (without running further). */
    public JobSnapshot finish(JobStatus finalStatus, JobError cause, Instant now) {
        return new JobSnapshot(id, requestId, requester, ref, include, exclude, target, finalStatus, commit,
                filesDone, filesTotal, filesSkipped, bytesDone, bytesTotal, snapshotUrl, cause, createdAt, startedAt,
                now);
    }
}
