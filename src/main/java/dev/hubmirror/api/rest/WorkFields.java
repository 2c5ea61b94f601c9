package dev.hubmirror.api.rest;

import dev.hubmirror.hub.HfRepoId;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.hub.RepoType;
import dev.hubmirror.job.ArtifactSpec;
import dev.hubmirror.job.ArtifactWork;
import dev.hubmirror.job.JobWork;
import dev.hubmirror.job.SnapshotWork;
import dev.hubmirror.transfer.MirrorSpec;
import java.util.List;

/**
 * A job's work as the wire formats show it, flat (the REST job, the Kafka events, job orders and job state): the one
 * place that maps each kind of {@link JobWork} to fields and back. A new kind of job adds its fields here, a branch to
 * {@link #of} and {@link #toWork}, and the fields to the wire records that show them.
 *
 * @param repo     the repo id, {@code org/name}; an image's or chart's source reference (a classic Helm repository's
 *                 chart: {@code <repository> <name> <version>})
 * @param type     {@code model}, {@code dataset} or {@code space}; {@code image} or {@code chart}
 * @param revision the revision as requested; an image's tag or digest, a chart's version
 * @param include  include patterns (none for an image or chart)
 * @param exclude  exclude patterns (none for an image or chart)
 * @param artifact the image or chart, whole (its source, platforms, target reference and mapping); {@code null} for a
 *                 Hub repo
 */
public record WorkFields(String repo, String type, String revision, List<String> include, List<String> exclude,
        ArtifactSpec artifact) {

    /** The fields of {@code work}. */
    public static WorkFields of(JobWork work) {
        if (work instanceof SnapshotWork snapshot) {
            RepoRef ref = snapshot.ref();
            return new WorkFields(ref.id().id(), ref.type().singular(), ref.revision(), snapshot.include(),
                    snapshot.exclude(), null);
        }
        if (work instanceof ArtifactWork artifact) {
            ArtifactSpec spec = artifact.spec();
            return new WorkFields(spec.subject(), artifact.kind(), spec.reference(), List.of(), List.of(), spec);
        }
        throw new IllegalArgumentException("no wire form for " + work.kind() + " jobs");
    }

    /**
     * The work these fields describe (fields written by {@link #of}).
     *
     * @throws IllegalArgumentException when they describe no valid work
     */
    public JobWork toWork() {
        if (artifact != null) {
            return new ArtifactWork(artifact);
        }
        RepoRef ref = new RepoRef(HfRepoId.parse(repo), RepoType.parse(type), revision);
        return new SnapshotWork(new MirrorSpec(ref, include, exclude));
    }
}
