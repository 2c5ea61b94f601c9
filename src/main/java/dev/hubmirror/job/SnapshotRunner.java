package dev.hubmirror.job;

import dev.hubmirror.transfer.MirrorProgress;
import io.smallrye.mutiny.Uni;

/** Runs {@link SnapshotWork}: the {@link SnapshotMirrors}' mirror for the job's target and token. */
public final class SnapshotRunner implements JobRunner<SnapshotWork> {

    private final SnapshotMirrors mirrors;

    public SnapshotRunner(SnapshotMirrors mirrors) {
        this.mirrors = mirrors;
    }

    @Override
    public Class<SnapshotWork> work() {
        return SnapshotWork.class;
    }

    @Override
    public void check(SnapshotWork work, String target, String tokenName) {
        mirrors.check(target, tokenName);
    }

    @Override
    public Uni<JobOutcome> run(SnapshotWork work, String target, String tokenName, MirrorProgress progress) {
        return mirrors.mirror(target, tokenName).mirror(work.spec(), progress)
                .map(outcome -> JobOutcome.succeeded(outcome.commit(), outcome.snapshotUrl()));
    }
}
