package dev.hubmirror.hub;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Where a file's bytes were last served from: the URL a {@code /resolve} request ended at after its redirects (for an
 * LFS file the signed CDN URL), so that the parts of one file do not each ask the Hub again. Bounded in entries
 * (least recently used goes first) and in age (a signed URL expires; an older entry is not used). Keys name the token
 * too (as a fingerprint), so a URL resolved with one token is never handed to a client with another.
 *
 * <p>Lookups coalesce: while one download of a key is resolving, other lookups of that key wait for it (on their own
 * Vert.x context) and then use its URL, so {@code n} parallel parts of a new file cost one Hub request, not {@code n}.
 * The resolving caller must {@link #settle} the key exactly once. Thread-safe.
 */
final class ResolvedUrls {

    private record Entry(URI url, long storedAt) {
    }

    private record Waiter(Context context, Promise<Optional<URI>> promise) {
    }

    private final int capacity;
    private final long maxAgeNanos;
    private final LongSupplier clock;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, List<Waiter>> resolving = new HashMap<>();

    /**
     * @param capacity    most entries kept (0: no caching, every download resolves)
     * @param maxAgeNanos how long an entry is used after it was stored
     * @param clock       {@link System#nanoTime} or a test clock
     */
    ResolvedUrls(int capacity, long maxAgeNanos, LongSupplier clock) {
        this.capacity = Math.max(0, capacity);
        this.maxAgeNanos = Math.max(0, maxAgeNanos);
        this.clock = clock;
    }

    /**
     * Completes with the cached URL of {@code key}, or with empty when the caller is to resolve it (and then
     * {@link #settle} it). Waits, without blocking, while another caller resolves the same key.
     */
    Future<Optional<URI>> lookup(String key, Context context) {
        if (capacity == 0) {
            return Future.succeededFuture(Optional.empty());
        }
        synchronized (this) {
            Optional<URI> cached = fresh(key);
            if (cached.isPresent()) {
                return Future.succeededFuture(cached);
            }
            List<Waiter> waiters = resolving.get(key);
            if (waiters == null) {
                resolving.put(key, new ArrayList<>());
                return Future.succeededFuture(Optional.empty());
            }
            Promise<Optional<URI>> promise = Promise.promise();
            waiters.add(new Waiter(context, promise));
            return promise.future();
        }
    }

    /**
     * Ends a resolution of {@code key}: stores {@code url} when not null (else the resolution failed), and wakes the
     * callers waiting for it (they use the URL, or one of them resolves again).
     */
    void settle(String key, URI url) {
        if (capacity == 0) {
            return;
        }
        List<Waiter> waiters;
        synchronized (this) {
            if (url != null) {
                entries.put(key, new Entry(url, clock.getAsLong()));
                while (entries.size() > capacity) {
                    entries.remove(entries.keySet().iterator().next());
                }
            }
            waiters = resolving.remove(key);
            if (waiters != null && url == null && !waiters.isEmpty()) {
                // the first waiter resolves next; the others keep waiting for it
                Waiter next = waiters.remove(0);
                resolving.put(key, waiters);
                waiters = List.of(next);
            }
        }
        if (waiters == null) {
            return;
        }
        Optional<URI> result = Optional.ofNullable(url);
        for (Waiter w : waiters) {
            w.context().runOnContext(v -> w.promise().complete(result));
        }
    }

    /** Forgets {@code url} as the URL of {@code key} (it was refused: expired or revoked). */
    synchronized void invalidate(String key, URI url) {
        Entry e = entries.get(key);
        if (e != null && e.url().equals(url)) {
            entries.remove(key);
        }
    }

    /** Entries held now (expired ones included until they are looked up or pushed out). */
    synchronized int size() {
        return entries.size();
    }

    private Optional<URI> fresh(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            return Optional.empty();
        }
        if (clock.getAsLong() - e.storedAt() >= maxAgeNanos) {
            entries.remove(key);
            return Optional.empty();
        }
        return Optional.of(e.url());
    }
}
