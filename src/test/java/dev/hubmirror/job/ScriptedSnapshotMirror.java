package dev.hubmirror.job;

import dev.hubmirror.transfer.MirrorOutcome;
import dev.hubmirror.transfer.MirrorProgress;
import dev.hubmirror.transfer.MirrorSpec;
import dev.hubmirror.transfer.SnapshotMirror;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link SnapshotMirror} the test drives by hand: every call becomes a {@link Run} that stays in flight until the
 * test reports progress, completes or fails it, and that records whether the job service cancelled it. Enabled only
 * by test profiles that list it as an alternative, so other Quarkus tests keep the real mirror.
 */
@Alternative
@ApplicationScoped
public class ScriptedSnapshotMirror implements SnapshotMirror {

    private final List<Run> runs = new CopyOnWriteArrayList<>();

    @Override
    public Uni<MirrorOutcome> mirror(MirrorSpec spec, MirrorProgress progress) {
        Run run = new Run(spec, progress);
        return Uni.createFrom().<MirrorOutcome>emitter(emitter -> {
            run.emitter = emitter;
            runs.add(run);
        }).onCancellation().invoke(() -> run.cancelled.set(true));
    }

    /** Every run started so far, in start order. */
    public List<Run> runs() {
        return List.copyOf(runs);
    }

    /** The latest run started for {@code repo} ({@code org/name}); fails the test if there is none. */
    public Run run(String repo) {
        for (int i = runs.size() - 1; i >= 0; i--) {
            if (runs.get(i).spec.ref().id().id().equals(repo)) {
                return runs.get(i);
            }
        }
        throw new AssertionError("no mirror run started for " + repo + "; runs: " + runs);
    }

    /** Whether any run was started for {@code repo}. */
    public boolean started(String repo) {
        return runs.stream().anyMatch(run -> run.spec.ref().id().id().equals(repo));
    }

    /** Forgets all runs. */
    public void reset() {
        runs.clear();
    }

    /** One call to {@link #mirror}: its spec, the job's progress sink, and the means to end it. */
    public static final class Run {
        private final MirrorSpec spec;
        private final MirrorProgress progress;
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private volatile UniEmitter<? super MirrorOutcome> emitter;

        Run(MirrorSpec spec, MirrorProgress progress) {
            this.spec = spec;
            this.progress = progress;
        }

        public MirrorSpec spec() {
            return spec;
        }

        public MirrorProgress progress() {
            return progress;
        }

        /** Whether the subscriber cancelled this run (which would abort uploads in the real mirror). */
        public boolean cancelled() {
            return cancelled.get();
        }

        /** Completes the run with an outcome for {@code commit}. */
        public void succeed(String commit, int files, long bytes) {
            emitter.complete(new MirrorOutcome(commit, "file:///store/models--x/snapshots/" + commit, files, bytes,
                    0, bytes));
        }

        /** Fails the run. */
        public void fail(Throwable failure) {
            emitter.fail(failure);
        }

        @Override
        public String toString() {
            return spec.ref().toString();
        }
    }
}
