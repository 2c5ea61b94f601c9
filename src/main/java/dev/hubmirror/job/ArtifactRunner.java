package dev.hubmirror.job;

import dev.hubmirror.transfer.MirrorProgress;
import io.smallrye.mutiny.Uni;

/**
 * Runs {@link ArtifactWork}: the registry engine's copy into the target registry. Where the artifact goes was decided
 * (and checked) when the request was read; the store target and token of a submission do not apply.
 */
public final class ArtifactRunner implements JobRunner<ArtifactWork> {

    private final ArtifactMirror artifacts;

    public ArtifactRunner(ArtifactMirror artifacts) {
        this.artifacts = artifacts;
    }

    @Override
    public Class<ArtifactWork> work() {
        return ArtifactWork.class;
    }

    @Override
    public void check(ArtifactWork work, String target, String tokenName) {
        // the target reference was made by ArtifactMirror.targetOf when the request was read; nothing else to check
    }

    @Override
    public Uni<JobOutcome> run(ArtifactWork work, String target, String tokenName, MirrorProgress progress) {
        return artifacts.mirror(work.spec(), progress).map(JobOutcome::succeeded);
    }
}
