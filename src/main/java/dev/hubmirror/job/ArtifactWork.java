package dev.hubmirror.job;

import dev.hubmirror.log.LogKeys;
import java.util.List;
import java.util.TreeSet;

/**
 * The kind of job that copies one container image or Helm chart into the target registry, run by
 * {@link ArtifactRunner}. Its kind's name is the artifact's ({@code image} or {@code chart}); the store target of a
 * submission does not apply to it (the target registry is one).
 *
 * @param spec the artifact, validated, with where it goes
 */
public record ArtifactWork(ArtifactSpec spec) implements JobWork {

    public ArtifactWork {
        if (spec == null) {
            throw new IllegalArgumentException("an image or chart job needs its artifact");
        }
    }

    @Override
    public String kind() {
        return spec.kind().singular();
    }

    /** The same artifact with its platforms sorted and without repeats: their order does not matter. */
    @Override
    public ArtifactWork identity() {
        return new ArtifactWork(new ArtifactSpec(spec.kind(), spec.source(), spec.chart(), spec.version(),
                List.copyOf(new TreeSet<>(spec.platforms())), spec.target(), spec.mapping()));
    }

    /** {@code image:ghcr.io/org/name:tag|platforms>target-reference}; the store target plays no part. */
    @Override
    public String keyText(String target) {
        return spec.key();
    }

    /** {@code image:<source reference>} (a classic chart: {@code chart:<repository> <name> <version>}). */
    @Override
    public String subject() {
        return kind() + ":" + spec.subject();
    }

    @Override
    public String describe() {
        return subject();
    }

    /** The target registry, whatever store target the submission named. */
    @Override
    public String targetIn(String target) {
        return null;
    }

    @Override
    public String logFields() {
        return String.format(LogKeys.IMAGE + LogKeys.REVISION, describe(), spec.reference()).strip();
    }

    @Override
    public long footprint() {
        return JobFootprint.string(spec.source()) + JobFootprint.string(spec.chart())
                + JobFootprint.string(spec.version()) + JobFootprint.strings(spec.platforms())
                + JobFootprint.string(spec.target()) + JobFootprint.string(spec.mapping());
    }
}
