package dev.hubmirror.job;

import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.transfer.MirrorSpec;
import java.time.Instant;
import java.util.List;

/**
 * A job's state at one moment, immutable: what the API shows, what events are built from, what the job-state store
 * keeps. Counters follow {@link Job}'s meaning.
 *
 * @param requestId the request that asked for it; {@code null} for a local submission
 * @param requester who asked; {@code null} for a local submission
 * @param target    the target store's name; {@code null} for the default store
 * @param artifact  the image or chart of a registry job ({@code ref} is then null); null for a Hub repo
 * @param artifactOutcome what a succeeded registry job put into the target; null otherwise
 * @param bundle    the bundle the job belongs to; null for none
 * @param bundleSize how many jobs that bundle has (0 without one)
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
        Instant finishedAt,
        ArtifactSpec artifact,
        ArtifactOutcome artifactOutcome,
        String bundle,
        int bundleSize) {

    public JobSnapshot {
        include = include == null ? List.of() : List.copyOf(include);
        exclude = exclude == null ? List.of() : List.copyOf(exclude);
    }

    /** The state of a Hub repo job in no bundle. */
    public JobSnapshot(String id, String requestId, String requester, RepoRef ref, List<String> include,
            List<String> exclude, String target, JobStatus status, String commit, int filesDone, int filesTotal,
            int filesSkipped, long bytesDone, long bytesTotal, String snapshotUrl, JobError error, Instant createdAt,
            Instant startedAt, Instant finishedAt) {
        this(id, requestId, requester, ref, include, exclude, target, status, commit, filesDone, filesTotal,
                filesSkipped, bytesDone, bytesTotal, snapshotUrl, error, createdAt, startedAt, finishedAt, null, null,
                null, 0);
    }

    /** {@code model}, {@code dataset}, {@code space}, {@code image} or {@code chart}. */
    public String kind() {
        return artifact != null ? artifact.kind().singular() : ref.type().singular();
    }

    /** What the job is about: the repo id, or the image or chart reference. */
    public String subject() {
        return artifact != null ? artifact.subject() : ref.id().id();
    }

    /** The revision, or the tag, digest or version of an image or chart. */
    public String revision() {
        return artifact != null ? artifact.reference() : ref.revision();
    }

    /** {@code kind:subject@revision}, for messages. */
    public String describe() {
        return artifact != null ? artifact.kind().singular() + ":" + artifact.subject() : ref.toString();
    }

    /** A job that was accepted and waits for its first run. */
    public static JobSnapshot queued(JobOrder order) {
        MirrorSpec spec = order.spec();
        return new JobSnapshot(order.id(), order.requestId(), order.requester(), spec == null ? null : spec.ref(),
                spec == null ? List.of() : spec.include(), spec == null ? List.of() : spec.exclude(), order.target(),
                JobStatus.QUEUED, null, 0, 0, 0, 0, 0, null, null, order.createdAt(), null, null, order.artifact(),
                null, order.bundle(), order.bundleSize());
    }

    /** This job, finished with {@code status} and {@code error} at {@code now} (without running further). */
    public JobSnapshot finish(JobStatus finalStatus, JobError cause, Instant now) {
        return new JobSnapshot(id, requestId, requester, ref, include, exclude, target, finalStatus, commit,
                filesDone, filesTotal, filesSkipped, bytesDone, bytesTotal, snapshotUrl, cause, createdAt, startedAt,
                now, artifact, artifactOutcome, bundle, bundleSize);
    }
}
