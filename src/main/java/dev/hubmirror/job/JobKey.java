package dev.hubmirror.job;

import dev.hubmirror.hub.HfRepoId;
import dev.hubmirror.hub.RepoType;
import dev.hubmirror.transfer.MirrorSpec;
import java.util.List;
import java.util.TreeSet;

/**
 * What makes two jobs the same work: type, repo, revision, target store and the pattern sets (order and duplicates of
 * patterns do not matter). The token is not part of it.
 *
 * @param target the target store's name; {@code null} for the default store
 */
public record JobKey(RepoType type, HfRepoId repo, String revision, String target, List<String> include,
        List<String> exclude, String artifact) {

    /** The key of a spec mirrored into the default store. */
    public static JobKey of(MirrorSpec spec) {
        return of(spec, null);
    }

    /** The key of a spec mirrored into {@code target} ({@code null}: the default store). */
    public static JobKey of(MirrorSpec spec, String target) {
        return new JobKey(spec.ref().type(), spec.ref().id(), spec.ref().revision(), target,
                List.copyOf(new TreeSet<>(spec.include())), List.copyOf(new TreeSet<>(spec.exclude())), null);
    }

    /** The key of an image or chart copy (the target registry is one; store targets do not apply). */
    public static JobKey of(ArtifactSpec artifact) {
        return new JobKey(null, null, null, null, List.of(), List.of(), artifact.key());
    }

    /** The key of the work an order names. */
    public static JobKey of(JobOrder order) {
        return order.artifact() != null ? of(order.artifact()) : of(order.spec(), order.target());
    }

    /**
     * A stable text form, equal for equal keys: {@code model:org/name@main>target|include,..|exclude,..}. Identical
     * jobs share it, so as a Kafka record key it sends them to the same partition.
     */
    public String text() {
        if (artifact != null) {
            return artifact;
        }
        return type.singular() + ":" + repo.id() + "@" + revision + ">" + (target == null ? "" : target) + "|"
                + String.join(",", include) + "|" + String.join(",", exclude);
    }
}
