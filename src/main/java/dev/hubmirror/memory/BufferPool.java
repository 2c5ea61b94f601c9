package dev.hubmirror.memory;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The memory budget for file data, and the buffers it grants: every byte a transfer holds in memory (a part being
 * fetched, uploaded or waiting to be hashed, a small file, a store's upload chunk) is granted here first, so the
 * total never exceeds {@link #capacity()}.
 *
 * <p>Memory comes in pages of {@link #pageSize()} bytes of direct (off-heap) memory, allocated in slabs the first time
 * they are needed and reused for ever after: a steady transfer allocates nothing. A {@link PooledBuffer} of {@code n}
 * bytes takes {@code ceil(n / pageSize)} pages (so the budget counts whole pages); a {@link Reservation} counts bytes
 * that someone else allocates (a client library's own chunk buffer) against the same budget without pages.
 *
 * <p>Grants are asynchronous and first come, first served: a request waits (never blocking a thread) until enough of
 * the budget is free and every earlier request was granted, so a large request is not starved by small ones; it is
 * completed by whoever releases. A request larger than the whole budget fails at once. Every grant is registered in
 * the caller's {@link BufferScope} at the moment it is made, before the {@link Uni} emits, so a cancellation racing a
 * grant cannot lose the buffer: closing the scope releases whatever it still holds.
 *
 * <p>Thread-safe. {@link #inUse()} and {@link #peak()} say what is granted now and the most ever granted at once.
 */
public final class BufferPool {

    /** The default page size: a fraction of a part, large enough that per-page costs vanish. */
    public static final int DEFAULT_PAGE_SIZE = 64 * 1024;

    /** Pages are allocated in slabs of about this many bytes (at most the capacity). */
    private static final long SLAB_BYTES = 4L * 1024 * 1024;

    private final long capacity;
    private final int pageSize;
    private final long totalPages;
    private final int pagesPerSlab;
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private long allocatedPages;
    private long grantedPages;
    private long peakPages;
    private long liveBuffers;
    private boolean serving;

    /**
     * A pool of {@code capacity} bytes in pages of {@code pageSize} bytes.
     *
     * @throws IllegalArgumentException when the capacity is not positive or smaller than one page, or the page size is
     *     not a power of two between 4 KiB and 16 MiB
     */
    public BufferPool(long capacity, int pageSize) {
        if (pageSize < 4096 || pageSize > 16 * 1024 * 1024 || Integer.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("mirror.transfer.page-size must be a power of two between 4 KiB and "
                    + "16 MiB, got " + pageSize + " bytes");
        }
        if (capacity < pageSize) {
            throw new IllegalArgumentException("mirror.transfer.memory-budget must hold at least one page of "
                    + pageSize + " bytes, got " + capacity + " bytes");
        }
        this.capacity = capacity;
        this.pageSize = pageSize;
        this.totalPages = capacity / pageSize;
        this.pagesPerSlab = (int) Math.max(1, Math.min(totalPages, SLAB_BYTES / pageSize));
    }

    /** A pool of {@code capacity} bytes in pages of {@link #DEFAULT_PAGE_SIZE}. */
    public BufferPool(long capacity) {
        this(capacity, DEFAULT_PAGE_SIZE);
    }

    /** The budget in bytes. */
    public long capacity() {
        return capacity;
    }

    /** The size of one page; buffers are counted against the budget in whole pages. */
    public int pageSize() {
        return pageSize;
    }

    /** The budget a buffer of {@code bytes} takes: its size rounded up to whole pages. */
    public long footprint(long bytes) {
        return pagesFor(bytes) * pageSize;
    }

    /** Bytes granted now (whole pages of buffers, and reservations). */
    public synchronized long inUse() {
        return grantedPages * pageSize;
    }

    /** The most bytes granted at once since this pool was made; never more than {@link #capacity()}. */
    public synchronized long peak() {
        return peakPages * pageSize;
    }

    /** Direct memory this pool has allocated so far (it keeps and reuses it); at most the capacity. */
    public synchronized long allocated() {
        return allocatedPages * pageSize;
    }

    /** Buffers granted and not yet released. */
    public synchronized long liveBuffers() {
        return liveBuffers;
    }

    /** Requests waiting for budget. */
    public synchronized int waiting() {
        return waiters.size();
    }

    /**
     * A buffer that holds exactly {@code bytes}, granted once that much of the budget is free and every earlier
     * request was served. The buffer is added to {@code scope} when it is granted; the caller releases it
     * ({@link PooledBuffer#release()}) or closes the scope. Cancelling while waiting withdraws the request.
     *
     * @throws IllegalArgumentException (as the Uni's failure) when {@code bytes} exceeds the whole budget
     */
    public Uni<PooledBuffer> acquire(long bytes, BufferScope scope) {
        return request(bytes, scope, false).map(PooledBuffer.class::cast);
    }

    /**
     * Counts {@code bytes} against the budget without allocating them here, for memory that a client library
     * allocates itself (a GCS upload chunk); granted and scoped like {@link #acquire}.
     */
    public Uni<Reservation> reserve(long bytes, BufferScope scope) {
        return request(bytes, scope, true).map(Reservation.class::cast);
    }

    private Uni<Object> request(long bytes, BufferScope scope, boolean reservation) {
        if (bytes < 0) {
            return Uni.createFrom().failure(new IllegalArgumentException("a buffer cannot hold " + bytes + " bytes"));
        }
        long pages = pagesFor(bytes);
        if (pages > totalPages) {
            return Uni.createFrom().failure(new IllegalArgumentException("a buffer of " + bytes + " bytes is larger "
                    + "than the whole memory budget of " + capacity + " bytes (mirror.transfer.memory-budget)"));
        }
        return Uni.createFrom().deferred(() -> {
            Waiter w = new Waiter(bytes, pages, scope, reservation);
            return Uni.createFrom().emitter(emitter -> {
                w.emitter = emitter;
                boolean now;
                synchronized (this) {
                    now = waiters.isEmpty() && grantedPages + pages <= totalPages;
                    if (now) {
                        grant(w);
                    } else {
                        waiters.addLast(w);
                    }
                }
                if (now) {
                    w.deliver();
                }
            }).onCancellation().invoke(() -> withdraw(w));
        });
    }

    private long pagesFor(long bytes) {
        return bytes / pageSize + (bytes % pageSize == 0 ? 0 : 1);
    }

    /** Takes the waiter's pages (allocating slabs when the free list runs short); caller holds the lock. */
    private void grant(Waiter w) {
        grantedPages += w.pages;
        peakPages = Math.max(peakPages, grantedPages);
        if (w.reservation) {
            w.granted = new Reservation(this, w.bytes, w.pages);
        } else {
            ByteBuffer[] pages = new ByteBuffer[(int) w.pages];
            for (int i = 0; i < pages.length; i++) {
                if (free.isEmpty()) {
                    allocateSlab();
                }
                pages[i] = free.pop();
            }
            w.granted = new PooledBuffer(this, w.bytes, pages, pageSize);
            liveBuffers++;
        }
    }

    private void allocateSlab() {
        int n = (int) Math.min(pagesPerSlab, totalPages - allocatedPages);
        ByteBuffer slab = ByteBuffer.allocateDirect(Math.multiplyExact(n, pageSize));
        for (int i = 0; i < n; i++) {
            free.push(slab.slice(i * pageSize, pageSize));
        }
        allocatedPages += n;
    }

    /** Gives back the pages of a buffer (or the count of a reservation) and serves the waiters that now fit. */
    void giveBack(ByteBuffer[] pages, long count, boolean buffer) {
        synchronized (this) {
            if (pages != null) {
                for (ByteBuffer page : pages) {
                    free.push(page.clear());
                }
            }
            grantedPages -= count;
            if (buffer) {
                liveBuffers--;
            }
        }
        serve();
    }

    /**
     * Grants the waiters that fit, in order, and delivers them. One thread serves at a time: a release made while
     * delivering (by a subscriber, or by a closed scope freeing its grant) is picked up by the serving loop instead of
     * recursing, so a long queue cannot overflow the stack.
     */
    private void serve() {
        synchronized (this) {
            if (serving) {
                return;
            }
            serving = true;
        }
        while (true) {
            List<Waiter> ready = new ArrayList<>();
            synchronized (this) {
                while (!waiters.isEmpty() && grantedPages + waiters.peekFirst().pages <= totalPages) {
                    Waiter w = waiters.pollFirst();
                    grant(w);
                    ready.add(w);
                }
                if (ready.isEmpty()) {
                    serving = false;
                    return;
                }
            }
            try {
                ready.forEach(Waiter::deliver);
            } catch (RuntimeException e) {
                synchronized (this) {
                    serving = false;
                }
                throw e;
            }
        }
    }

    /**
     * Withdraws a request that is still waiting. One that was granted already belongs to its scope (it was added
     * before the Uni emitted), so a grant that raced this cancellation is released when the scope closes.
     */
    private synchronized void withdraw(Waiter w) {
        waiters.remove(w);
    }

    /** A request waiting for budget, then the grant on its way to the subscriber. */
    private static final class Waiter {
        final long bytes;
        final long pages;
        final BufferScope scope;
        final boolean reservation;
        volatile UniEmitter<? super Object> emitter;
        /** Set under the pool's lock when granted. */
        Releasable granted;

        Waiter(long bytes, long pages, BufferScope scope, boolean reservation) {
            this.bytes = bytes;
            this.pages = pages;
            this.scope = scope;
            this.reservation = reservation;
        }

        /** Registers the grant in the scope (which releases it at once when closed), then emits it. */
        void deliver() {
            if (scope.add(granted)) {
                emitter.complete(granted);
            } else {
                emitter.fail(new IllegalStateException("the buffer scope " + scope + " was closed"));
            }
        }
    }
}
