package dev.hubmirror.store;

import dev.hubmirror.failure.Reason;

/**
 * What a store adapter reports for monitoring: its retries. It knows no metrics library; {@code dev.hubmirror.metrics}
 * implements it. Called from I/O threads: implementations must be thread-safe, fast, and must not block or throw.
 */
public interface StoreObserver {

    /** A failed store request will be sent again, after its backoff; {@code reason} is why the last attempt failed. */
    void retry(Reason reason);

    /** Reports nothing. */
    StoreObserver NONE = reason -> {
    };
}
