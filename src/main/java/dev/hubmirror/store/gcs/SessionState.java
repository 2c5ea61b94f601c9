package dev.hubmirror.store.gcs;

import dev.hubmirror.store.StoreException;

/**
 * Where a GCS resumable-upload session stands, as a closed set of states with their transitions, kept apart from the
 * I/O that drives them ({@link SessionGate} holds the current one; {@link GcsUpload} does the writing). A session is
 * one sequential byte stream: at most one writer holds it at a time, and only a completion closes it.
 *
 * <pre>
 *   Open(n) --write--> Writing(n) --wrote(end)--> Open(max(n, end))
 *   Open(size) --complete--> Completing --closed--> Completed
 *   Open | Writing | Completing --failure--> Failed(cause)
 *   any but Completed --abort--> Aborted(cause)
 * </pre>
 */
sealed interface SessionState {

    /** Nobody holds the session; bytes {@code [0, written)} were sent. */
    record Open(long written) implements SessionState {

        /** A writer takes the session. */
        Writing write() {
            return new Writing(written);
        }

        /** The completion takes the session to close it. */
        Completing complete() {
            return new Completing();
        }
    }

    /** A part is being written; bytes {@code [0, written)} were sent before it began. */
    record Writing(long written) implements SessionState {

        /** The part ended at {@code end}: the session is free again. */
        Open wrote(long end) {
            return new Open(Math.max(written, end));
        }
    }

    /** The completion closes the channel, which sends the request that creates the object. */
    record Completing() implements SessionState {

        /** The object exists. */
        Completed closed() {
            return new Completed();
        }
    }

    /** The object exists; nothing more can be written. */
    record Completed() implements SessionState {
    }

    /** The session was cancelled; nothing was or will be created. */
    record Aborted(StoreException cause) implements SessionState {
    }

    /** A write or the completion failed; the stream is in an unknown state, so the upload fails as a whole. */
    record Failed(StoreException cause) implements SessionState {
    }

    /** Whether the session can still fail or be aborted (it is neither finished nor already failed). */
    default boolean live() {
        return this instanceof Open || this instanceof Writing || this instanceof Completing;
    }
}
