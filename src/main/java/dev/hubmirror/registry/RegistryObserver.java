package dev.hubmirror.registry;

import dev.hubmirror.failure.Reason;

/**
 * What the registry client and the image copies report, for metrics; every method is called off the data path's
 * inner loop (per response, per blob, per chunk) and must not block. {@code registry} is a host as image references
 * name it.
 */
public interface RegistryObserver {

    /** Reports nothing. */
    RegistryObserver NONE = new RegistryObserver() {
    };

    /** How a blob of an image ended up in the target. */
    enum BlobOutcome {
        /** The target had it already (HEAD). */
        SKIPPED,
        /** Mounted from another repository of the target (nothing sent). */
        MOUNTED,
        /** Streamed from the source and uploaded. */
        COPIED
    }

    /** A response from {@code registry} with {@code status} (0: none came). */
    default void response(String registry, int status) {
    }

    /** A request to {@code registry} is tried again after a failure with {@code reason}. */
    default void retry(String registry, Reason reason) {
    }

    /** {@code bytes} of blob data were read from {@code registry}. */
    default void downloaded(String registry, long bytes) {
    }

    /** {@code bytes} of blob data were accepted by {@code registry} (a chunk or a whole blob). */
    default void uploaded(String registry, long bytes) {
    }

    /** A blob of {@code size} bytes is in the target {@code registry}, as {@code outcome} says. */
    default void blob(String registry, BlobOutcome outcome, long size) {
    }

    /** A manifest was written to {@code registry}. */
    default void manifestPushed(String registry) {
    }
}
