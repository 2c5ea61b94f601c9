package dev.hubmirror.store.gcs;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.store.StoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The state of one resumable session ({@link SessionState}) and the parts waiting for their turn, with no I/O: a part
 * asks for its turn and is told to write now (it then holds the session), to wait (a future that completes when the
 * bytes before it were written, or fails with the upload), or that it is refused. Each transition returns the futures
 * to complete, which the caller completes outside the gate's monitor. A waiting part holds no thread and no memory of
 * its own (its buffer is the caller's).
 */
final class SessionGate {

    /** What a caller asking for the session is told. */
    sealed interface Turn {
    }

    /** Write now, from byte {@code written} (bytes before it were sent); the caller holds the session. */
    record Go(long written) implements Turn {
    }

    /** Ask again once {@code ready} completes; it fails when the upload fails or is aborted. */
    record Wait(CompletableFuture<Void> ready) implements Turn {
    }

    /** Nothing to do: the object was already completed. */
    record Done() implements Turn {
    }

    /** Refused, with this error. */
    record Refused(StoreException cause) implements Turn {
    }

    private final String key;
    private final String id;
    private final long size;
    private SessionState state = new SessionState.Open(0);
    /** Futures of callers waiting until bytes before their offset are written, by offset. */
    private final NavigableMap<Long, CompletableFuture<Void>> waiting = new TreeMap<>();

    SessionGate(String key, String id, long size) {
        this.key = key;
        this.id = id;
        this.size = size;
    }

    /** The current state. */
    synchronized SessionState state() {
        return state;
    }

    /** A part starting at {@code offset} asks to write. */
    synchronized Turn write(long offset) {
        if (state instanceof SessionState.Open open && offset <= open.written()) {
            state = open.write();
            return new Go(open.written());
        }
        if (state instanceof SessionState.Open || state instanceof SessionState.Writing) {
            return new Wait(waiting.computeIfAbsent(offset, o -> new CompletableFuture<>()));
        }
        return new Refused(terminal("upload a part of"));
    }

    /** The writer's part ended at {@code end}; returns the waiters whose turn may have come. */
    synchronized List<CompletableFuture<Void>> wrote(long end) {
        if (!(state instanceof SessionState.Writing writing)) {
            return List.of();
        }
        SessionState.Open open = writing.wrote(end);
        state = open;
        return drain(open.written());
    }

    /** The completion asks for the session: it goes only when every byte was written and nobody writes. */
    synchronized Turn complete() {
        if (state instanceof SessionState.Open open) {
            if (open.written() != size) {
                return new Refused(new StoreException(Reason.INTERNAL, false, "cannot complete store key '" + key
                        + "' (upload " + id + "): " + open.written() + " bytes written, expected " + size, null));
            }
            state = open.complete();
            return new Go(open.written());
        }
        if (state instanceof SessionState.Writing || state instanceof SessionState.Completing) {
            return new Wait(waiting.computeIfAbsent(0L, o -> new CompletableFuture<>()));
        }
        if (state instanceof SessionState.Completed) {
            return new Done();
        }
        return new Refused(terminal("complete"));
    }

    /** The channel was closed: the object exists. */
    synchronized List<CompletableFuture<Void>> closed() {
        if (state instanceof SessionState.Completing completing) {
            state = completing.closed();
        }
        return drain(Long.MAX_VALUE);
    }

    /** A write or the completion failed with {@code cause}; returns the waiters, to fail with it. */
    synchronized List<CompletableFuture<Void>> failed(StoreException cause) {
        if (state.live()) {
            state = new SessionState.Failed(cause);
        }
        return drain(Long.MAX_VALUE);
    }

    /**
     * Aborts the session with {@code cause}; returns the waiters to fail with it, or {@code null} when there was
     * nothing to abort (already completed or aborted), so the session need not be cancelled.
     */
    synchronized List<CompletableFuture<Void>> abort(StoreException cause) {
        if (state instanceof SessionState.Completed || state instanceof SessionState.Aborted) {
            return null;
        }
        state = new SessionState.Aborted(cause);
        return drain(Long.MAX_VALUE);
    }

    /** Removes and returns the futures of offsets up to {@code offset}. */
    private List<CompletableFuture<Void>> drain(long offset) {
        NavigableMap<Long, CompletableFuture<Void>> head = waiting.headMap(offset, true);
        List<CompletableFuture<Void>> drained = new ArrayList<>(head.values());
        head.clear();
        return drained;
    }

    /** The error for a call on a session that takes no more writes. */
    private StoreException terminal(String action) {
        if (state instanceof SessionState.Failed failed) {
            return failed.cause();
        }
        if (state instanceof SessionState.Aborted aborted) {
            return aborted.cause();
        }
        return new StoreException(Reason.STORE_ERROR, false, "cannot " + action + " store key '" + key
                + "': upload " + id + " was already completed", null);
    }
}
