package dev.hubmirror.registry;

/**
 * What an image or chart copy reports as it goes (for a job's progress). Called from event loops and worker threads;
 * must not block. Bytes are counted once, even when a blob is downloaded again after a failure.
 */
public interface CopyProgress {

    /** Reports nothing. */
    CopyProgress NONE = new CopyProgress() {
    };

    /** The manifests are read: {@code blobs} distinct blobs of {@code bytes} in total are to be in the target. */
    default void planned(int blobs, long bytes) {
    }

    /** {@code bytes} more of blob data arrived from the source (verified later, with the whole blob). */
    default void transferred(long bytes) {
    }

    /** A blob of {@code size} bytes is in the target, as {@code outcome} says. */
    default void blobDone(Digest digest, long size, RegistryObserver.BlobOutcome outcome) {
    }
}
