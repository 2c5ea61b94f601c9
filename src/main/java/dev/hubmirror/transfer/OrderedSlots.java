package dev.hubmirror.transfer;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A fixed number of slots for the parts of one file, granted strictly in part order: part {@code i} gets a slot only
 * after every part before it got one. Ordered grants keep a part that waits on its predecessors (a GCS resumable
 * upload writes parts in offset order) from holding a slot its predecessor needs, so the parts of a file cannot
 * deadlock on their slots. Asynchronous: a waiter is completed by whoever frees a slot; nothing blocks.
 */
final class OrderedSlots {

    private final TreeMap<Integer, Waiter> waiting = new TreeMap<>();
    private int available;
    private int next;

    OrderedSlots(int slots) {
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be at least 1, got " + slots);
        }
        this.available = slots;
    }

    /**
     * Completes once part {@code index} holds a slot; the caller gives it back with {@link #release} exactly once.
     * Every index from 0 on must ask once, in any order. Cancelling while waiting withdraws the request.
     */
    Uni<Void> acquire(int index) {
        return Uni.createFrom().deferred(() -> {
            Waiter w = new Waiter(index);
            return Uni.createFrom().<Void>emitter(emitter -> {
                w.emitter = emitter;
                List<Waiter> ready;
                synchronized (this) {
                    waiting.put(index, w);
                    ready = grantable();
                }
                ready.forEach(Waiter::complete);
            }).onCancellation().invoke(() -> withdraw(w));
        });
    }

    /** Frees a slot taken by {@link #acquire}. */
    void release() {
        List<Waiter> ready;
        synchronized (this) {
            available++;
            ready = grantable();
        }
        ready.forEach(Waiter::complete);
    }

    /** Grants slots to the next parts in order while slots are free; caller holds the lock. */
    private List<Waiter> grantable() {
        List<Waiter> ready = new ArrayList<>();
        while (available > 0 && waiting.containsKey(next)) {
            Waiter w = waiting.remove(next);
            w.granted = true;
            available--;
            next++;
            ready.add(w);
        }
        return ready;
    }

    private void withdraw(Waiter w) {
        boolean giveBack;
        synchronized (this) {
            giveBack = waiting.remove(w.index, w) ? false : w.granted;
        }
        if (giveBack) {
            release();
        }
    }

    private static final class Waiter {
        final int index;
        volatile UniEmitter<? super Void> emitter;
        volatile boolean granted;

        Waiter(int index) {
            this.index = index;
        }

        void complete() {
            emitter.complete(null);
        }
    }
}
