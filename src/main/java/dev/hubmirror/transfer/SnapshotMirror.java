package dev.hubmirror.transfer;

import io.smallrye.mutiny.Uni;

/**
 * Mirrors one repo revision into the store in HF cache layout: resolve the revision once, list the tree at the
 * commit, stream every selected file (verified) into the store, write {@code trees/<commit>.json}, and write
 * {@code refs/<revision>} last. Cancelling the returned Uni aborts in-flight uploads.
 */
public interface SnapshotMirror {

    /** Runs the mirror; fails with a {@link dev.hubmirror.failure.MirrorException}. */
    Uni<MirrorOutcome> mirror(MirrorSpec spec, MirrorProgress progress);
}
