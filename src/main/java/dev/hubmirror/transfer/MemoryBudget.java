package dev.hubmirror.transfer;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The global heap budget for part buffers, shared by every transfer. A transfer asks for the bytes of a part before
 * it allocates the buffer and gives them back when the part is uploaded (or failed). Waiters are served first come,
 * first served, so a large request is not starved by small ones. A request larger than the whole budget fails at once
 * (it could never be granted; configuration validation rejects part sizes over the budget before any transfer starts).
 * Acquisition is asynchronous: a waiter is completed by whoever releases, nothing blocks. The high-water mark
 * ({@link #peak()}) records the most bytes ever held at once, so tests and operators can see the bound held.
 */
public final class MemoryBudget {

    private final long capacity;
    private final Deque<Waiter> waiters = new ArrayDeque<>();
    private long available;
    private long peak;

    public MemoryBudget(long capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("memory budget must be positive, got " + capacity);
        }
        this.capacity = capacity;
        this.available = capacity;
    }

    /** The configured budget in bytes. */
    public long capacity() {
        return capacity;
    }

    /** Bytes currently held by transfers. */
    public synchronized long inUse() {
        return capacity - available;
    }

    /** The most bytes held at once since this budget was created; never more than {@link #capacity()}. */
    public synchronized long peak() {
        return peak;
    }

    /**
     * Reserves {@code bytes}; the Uni completes with the number of bytes reserved, which the caller must
     * {@link #release} exactly once. Cancelling while waiting withdraws the request. A request larger than the
     * capacity fails with {@link IllegalArgumentException}: it could never be granted.
     */
    public Uni<Long> acquire(long bytes) {
        long want = Math.max(bytes, 0);
        if (want > capacity) {
            return Uni.createFrom().failure(new IllegalArgumentException("a buffer of " + want + " bytes is larger "
                    + "than the whole memory budget of " + capacity + " bytes (mirror.transfer.memory-budget)"));
        }
        return Uni.createFrom().deferred(() -> {
            Waiter w = new Waiter(want);
            return Uni.createFrom().<Long>emitter(emitter -> {
                w.emitter = emitter;
                boolean granted;
                synchronized (this) {
                    granted = waiters.isEmpty() && available >= want;
                    if (granted) {
                        take(want);
                        w.granted = true;
                    } else {
                        waiters.addLast(w);
                    }
                }
                if (granted) {
                    emitter.complete(want);
                }
            }).onCancellation().invoke(() -> withdraw(w));
        });
    }

    /** Returns bytes reserved by {@link #acquire}. */
    public void release(long bytes) {
        Deque<Waiter> ready = new ArrayDeque<>();
        synchronized (this) {
            available = Math.min(capacity, available + bytes);
            while (!waiters.isEmpty() && waiters.peekFirst().bytes <= available) {
                Waiter w = waiters.pollFirst();
                take(w.bytes);
                w.granted = true;
                ready.add(w);
            }
        }
        for (Waiter w : ready) {
            w.emitter.complete(w.bytes);
        }
    }

    /** Takes bytes from what is available; caller holds the lock. */
    private void take(long bytes) {
        available -= bytes;
        peak = Math.max(peak, capacity - available);
    }

    private void withdraw(Waiter w) {
        boolean giveBack;
        synchronized (this) {
            // a Uni cancelled after its item was delivered does not call this, so a granted waiter here means the
            // subscriber never received its bytes
            giveBack = !waiters.remove(w) && w.granted;
        }
        if (giveBack) {
            release(w.bytes);
        }
    }

    private static final class Waiter {
        final long bytes;
        volatile UniEmitter<? super Long> emitter;
        volatile boolean granted;

        Waiter(long bytes) {
            this.bytes = bytes;
        }
    }
}
