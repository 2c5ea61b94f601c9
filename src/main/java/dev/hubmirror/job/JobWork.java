package dev.hubmirror.job;

import dev.hubmirror.transfer.MirrorSpec;

/**
 * One piece of work a submission names: a Hub repo to mirror into a store, or an image or chart to copy into the
 * target registry.
 *
 * @param spec     the Hub repo; null for an image or chart
 * @param artifact the image or chart; null for a Hub repo
 */
public record JobWork(MirrorSpec spec, ArtifactSpec artifact) {

    /**
     * Validates that exactly one is named.
     *
     * @throws IllegalArgumentException otherwise
     */
    public JobWork {
        if ((spec == null) == (artifact == null)) {
            throw new IllegalArgumentException("a job is either a repo or an image/chart");
        }
    }

    /** A Hub repo. */
    public static JobWork of(MirrorSpec spec) {
        return new JobWork(spec, null);
    }

    /** An image or chart. */
    public static JobWork of(ArtifactSpec artifact) {
        return new JobWork(null, artifact);
    }

    /** Its dedupe key: a repo in {@code target}, or the artifact (store targets do not apply to it). */
    JobKey key(String target) {
        return artifact != null ? JobKey.of(artifact) : JobKey.of(spec, target);
    }
}
