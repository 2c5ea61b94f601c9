package dev.hubmirror.memory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A buffer of exactly {@link #capacity()} bytes granted by a {@link BufferPool}: pages of direct memory filled in
 * order by one {@link Writer} at a time, read through {@link #content()} views, reference-counted, and given back to the
 * pool exactly once.
 *
 * <p><b>Ownership.</b> The buffer starts with one reference, its acquirer's. Whoever takes a share of it
 * ({@link #retain()}) gives it back with {@link #release()}; the last release returns the pages to the pool. Releasing
 * more often than retained is a bug and throws. Views from {@link #content()} are valid only while the caller holds a
 * reference. When the {@link BufferScope} that holds the buffer closes first, the pages go back at once and later
 * releases by remaining holders do nothing.
 *
 * <p><b>Writers.</b> Bytes arrive through a {@link Writer} obtained from {@link #writer()}. Asking for a new writer, or
 * {@link #revokeWriter()}, revokes the previous one: every later write through it is refused. A fetch that was cancelled
 * or timed out therefore cannot write into the buffer after its owner gave up on it, and once the buffer is back in the
 * pool no writer can reach its pages at all (they are detached from this object, which is never reused). Writes and
 * releases are serialised on this object, so a write is either complete before the release or refused.
 *
 * <p>Thread-safe.
 */
public final class PooledBuffer implements Releasable {

    private final BufferPool pool;
    private final long capacity;
    private final int pageSize;
    private final int pageShift;
    private final long pageMask;
    /** Null once the pages went back to the pool. */
    private ByteBuffer[] pages;
    private long written;
    private int references = 1;
    private int generation;
    private boolean forced;
    private BufferScope scope;

    PooledBuffer(BufferPool pool, long capacity, ByteBuffer[] pages, int pageSize) {
        this.pool = pool;
        this.capacity = capacity;
        this.pages = pages;
        this.pageSize = pageSize;
        this.pageShift = Integer.numberOfTrailingZeros(pageSize);
        this.pageMask = pageSize - 1L;
    }

    /** How many bytes this buffer holds when full. */
    public long capacity() {
        return capacity;
    }

    /** Bytes written so far (from the start, in order). */
    public synchronized long written() {
        return written;
    }

    /** Whether every byte was written. */
    public synchronized boolean isFull() {
        return written == capacity;
    }

    /** Whether the pages went back to the pool (every reference released, or the scope closed). */
    public synchronized boolean isReleased() {
        return pages == null;
    }

    /**
     * A writer that appends at {@link #written()}, revoking any earlier writer.
     *
     * @throws IllegalStateException when the buffer was released
     */
    public synchronized Writer writer() {
        checkLive("write");
        generation++;
        return new Writer(generation);
    }

    /** Revokes the current writer, if any: its later writes are refused. */
    public synchronized void revokeWriter() {
        generation++;
    }

    /**
     * Read-only views of the bytes written so far, in order: one per page, sharing this buffer's memory. Each call
     * makes new views (independent positions), so a retry can read the same bytes again.
     *
     * @throws IllegalStateException when the buffer was released
     */
    public synchronized List<ByteBuffer> content() {
        checkLive("read");
        int full = (int) (written >>> pageShift);
        int rest = (int) (written & pageMask);
        List<ByteBuffer> views = new ArrayList<>(full + (rest > 0 ? 1 : 0));
        for (int i = 0; i < full; i++) {
            views.add(pages[i].asReadOnlyBuffer().clear());
        }
        if (rest > 0) {
            views.add(pages[full].asReadOnlyBuffer().clear().limit(rest));
        }
        return views;
    }

    /** Takes another reference; give it back with {@link #release()}. */
    public synchronized PooledBuffer retain() {
        checkLive("retain");
        references++;
        return this;
    }

    /**
     * Gives back one reference; the last one returns the pages to the pool.
     *
     * @return whether this call returned the pages
     * @throws IllegalStateException when every reference was already released
     */
    public boolean release() {
        ByteBuffer[] returned;
        synchronized (this) {
            if (forced) {
                // the scope closed first and took the pages back: a holder's late release is expected, not a bug
                return false;
            }
            if (references <= 0) {
                throw new IllegalStateException("buffer of " + capacity + " bytes released more often than retained");
            }
            if (--references > 0 || pages == null) {
                return false;
            }
            returned = detach();
        }
        giveBack(returned);
        return true;
    }

    /** Returns the pages whatever the references (the scope closed); idempotent. */
    @Override
    public void free() {
        ByteBuffer[] returned;
        synchronized (this) {
            if (pages == null) {
                return;
            }
            references = 0;
            forced = true;
            returned = detach();
        }
        giveBack(returned);
    }

    @Override
    public synchronized void heldBy(BufferScope scope) {
        this.scope = scope;
    }

    private ByteBuffer[] detach() {
        ByteBuffer[] returned = pages;
        pages = null;
        generation++;
        return returned;
    }

    private void giveBack(ByteBuffer[] returned) {
        BufferScope holder;
        synchronized (this) {
            holder = scope;
        }
        if (holder != null) {
            holder.remove(this);
        }
        pool.giveBack(returned, returned.length, true);
    }

    private void checkLive(String action) {
        if (pages == null) {
            throw new IllegalStateException("cannot " + action + " a buffer that went back to the pool");
        }
    }

    @Override
    public synchronized String toString() {
        return "PooledBuffer[" + written + "/" + capacity + (pages == null ? ", released]" : "]");
    }

    /** Appends bytes to the buffer until it is revoked; see {@link PooledBuffer#writer()}. */
    public final class Writer {

        private final int generation;

        private Writer(int generation) {
            this.generation = generation;
        }

        /**
         * Copies as many of {@code src}'s remaining bytes as still fit, advancing {@code src}'s position by as much.
         *
         * @return the bytes copied (0 when the buffer is full), or -1 when this writer was revoked or the buffer
         *     released (nothing is copied then)
         */
        public int write(ByteBuffer src) {
            synchronized (PooledBuffer.this) {
                if (pages == null || generation != PooledBuffer.this.generation) {
                    return -1;
                }
                long room = capacity - written;
                int n = (int) Math.min(src.remaining(), room);
                int copied = 0;
                while (copied < n) {
                    int page = (int) (written >>> pageShift);
                    int at = (int) (written & pageMask);
                    int chunk = Math.min(n - copied, pageSize - at);
                    pages[page].put(at, src, src.position(), chunk);
                    src.position(src.position() + chunk);
                    written += chunk;
                    copied += chunk;
                }
                return copied;
            }
        }

        /** Whether writes through this writer are still accepted. */
        public boolean isOpen() {
            synchronized (PooledBuffer.this) {
                return pages != null && generation == PooledBuffer.this.generation;
            }
        }
    }
}
