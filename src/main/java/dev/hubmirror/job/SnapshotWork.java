package dev.hubmirror.job;

import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.log.LogKeys;
import dev.hubmirror.transfer.MirrorSpec;
import java.util.List;
import java.util.TreeSet;

/**
 * The kind of job that mirrors one Hub repo at one revision (a model, dataset or space) into a store in the HF cache
 * layout, run by {@link SnapshotRunner}.
 *
 * @param spec the repo, revision and patterns
 */
public record SnapshotWork(MirrorSpec spec) implements JobWork {

    /** The kind's name. */
    public static final String KIND = "snapshot";

    public SnapshotWork {
        if (spec == null) {
            throw new IllegalArgumentException("a snapshot job needs a spec");
        }
    }

    /** The snapshot of {@code ref} with every file. */
    public static SnapshotWork of(RepoRef ref) {
        return new SnapshotWork(new MirrorSpec(ref));
    }

    /** The repo, its type and the revision as the caller named it. */
    public RepoRef ref() {
        return spec.ref();
    }

    /** Include patterns (empty: every file). */
    public List<String> include() {
        return spec.include();
    }

    /** Exclude patterns. */
    public List<String> exclude() {
        return spec.exclude();
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public SnapshotWork identity() {
        return new SnapshotWork(new MirrorSpec(spec.ref(), List.copyOf(new TreeSet<>(spec.include())),
                List.copyOf(new TreeSet<>(spec.exclude()))));
    }

    /** {@code model:org/name@main>target|include,..|exclude,..}. */
    @Override
    public String keyText(String target) {
        SnapshotWork key = identity();
        return ref().type().singular() + ":" + ref().id().id() + "@" + ref().revision() + ">"
                + (target == null ? "" : target) + "|" + String.join(",", key.include()) + "|"
                + String.join(",", key.exclude());
    }

    /** {@code model:org/name}: a model and a dataset may share an id. */
    @Override
    public String subject() {
        return ref().type().singular() + ":" + ref().id().id();
    }

    @Override
    public String describe() {
        return ref().toString();
    }

    @Override
    public String logFields() {
        return String.format(LogKeys.REPO + LogKeys.REVISION, ref().id(), ref().revision()).strip();
    }

    @Override
    public long footprint() {
        return JobFootprint.string(ref().id().id()) + JobFootprint.string(ref().revision())
                + JobFootprint.strings(include()) + JobFootprint.strings(exclude());
    }
}
