package dev.hubmirror.memory;

/**
 * Bytes of the {@link BufferPool}'s budget counted for memory that someone else allocates (a client library's own
 * upload chunk). Release it once the memory is gone; releasing again does nothing.
 */
public final class Reservation implements Releasable {

    private final BufferPool pool;
    private final long bytes;
    private final long pages;
    private boolean released;
    private BufferScope scope;

    Reservation(BufferPool pool, long bytes, long pages) {
        this.pool = pool;
        this.bytes = bytes;
        this.pages = pages;
    }

    /** The bytes reserved. */
    public long bytes() {
        return bytes;
    }

    /** Gives the bytes back to the budget; idempotent. */
    public void release() {
        free();
    }

    @Override
    public void free() {
        BufferScope holder;
        synchronized (this) {
            if (released) {
                return;
            }
            released = true;
            holder = scope;
        }
        if (holder != null) {
            holder.remove(this);
        }
        pool.giveBack(null, pages, false);
    }

    @Override
    public synchronized void heldBy(BufferScope scope) {
        this.scope = scope;
    }
}
