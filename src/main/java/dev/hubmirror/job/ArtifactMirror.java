package dev.hubmirror.job;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.registry.ImageVerification;
import dev.hubmirror.transfer.MirrorProgress;
import io.smallrye.mutiny.Uni;

/**
 * The engine for image and chart jobs (the registry engine, wired by bootstrap): where an artifact goes, and its copy.
 * Progress is told as for snapshots: {@code planned(null, blobs, bytes)}, {@code transferred}, {@code fileDone(digest,
 * size, skipped)} per blob.
 */
public interface ArtifactMirror {

    /** No target registry configured: every image and chart is refused. */
    ArtifactMirror NONE = new ArtifactMirror() {
        @Override
        public String targetOf(ArtifactSpec.Kind kind, String source, String chart, String version) {
            throw new MirrorException(Reason.INVALID_REQUEST, "images and charts need a target registry: set "
                    + "mirror.registry.target.url (docs/registry.md)");
        }

        @Override
        public String mapping() {
            return "none";
        }

        @Override
        public Uni<ArtifactOutcome> mirror(ArtifactSpec spec, MirrorProgress progress) {
            return Uni.createFrom().failure(new MirrorException(Reason.INVALID_REQUEST, "no target registry"));
        }

        @Override
        public Uni<ImageVerification> verify(String reference, String digest) {
            return Uni.createFrom().failure(new MirrorException(Reason.INVALID_REQUEST, "images and charts need a "
                    + "target registry: set mirror.registry.target.url (docs/registry.md)"));
        }
    };

    /**
     * Where an artifact goes (validating it): the target reference.
     *
     * @throws IllegalArgumentException naming what is wrong with the reference
     * @throws MirrorException {@link Reason#INVALID_REQUEST} when no target registry is configured
     */
    String targetOf(ArtifactSpec.Kind kind, String source, String chart, String version);

    /** The mapping rule in words (for job views and events). */
    String mapping();

    /** Copies the artifact; fails with a {@link MirrorException} (nothing is tagged then). */
    Uni<ArtifactOutcome> mirror(ArtifactSpec spec, MirrorProgress progress);

    /**
     * What the target holds for {@code reference} (a target reference as it is, a source reference where the mapping
     * sends it), with {@code digest} expected when given.
     *
     * @throws IllegalArgumentException for a malformed reference or digest
     */
    Uni<ImageVerification> verify(String reference, String digest);
}
