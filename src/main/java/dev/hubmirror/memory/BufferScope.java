package dev.hubmirror.memory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The buffers and reservations one transfer holds. The {@link BufferPool} adds every grant to the requester's scope the
 * moment it is made, before anyone can miss it; {@link #close()} frees whatever is still held when the transfer ends,
 * and frees at once anything granted later. So, however a cancellation races a grant or a failure, a finished transfer
 * holds nothing. Closing is the safety net, not the plan: the transfer releases each buffer when its last user lets go,
 * and closes its scope only after every activity that could still read a buffer has settled.
 *
 * <p>Thread-safe.
 */
public final class BufferScope implements AutoCloseable {

    private final String name;
    private final Set<Releasable> held = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;

    /** A scope named for logs and errors (e.g. the file it belongs to). */
    public BufferScope(String name) {
        this.name = name;
    }

    /** Takes a grant; false (and the grant freed) when this scope is closed already. */
    boolean add(Releasable r) {
        synchronized (this) {
            if (!closed) {
                held.add(r);
                r.heldBy(this);
                return true;
            }
        }
        r.free();
        return false;
    }

    synchronized void remove(Releasable r) {
        held.remove(r);
    }

    /** Buffers and reservations held now. */
    public synchronized int size() {
        return held.size();
    }

    /** Frees everything still held and refuses later grants; idempotent. Returns how many were freed. */
    @Override
    public void close() {
        closeAndCount();
    }

    /** {@link #close()}, telling how many grants were still held (0 when every user released its buffer). */
    public int closeAndCount() {
        List<Releasable> left;
        synchronized (this) {
            closed = true;
            left = new ArrayList<>(held);
        }
        left.forEach(Releasable::free);
        return left.size();
    }

    @Override
    public String toString() {
        return name;
    }
}
