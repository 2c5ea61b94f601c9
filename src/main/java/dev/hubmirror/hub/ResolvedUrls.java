package dev.hubmirror.hub;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * Where a file's bytes were last served from: the URL a {@code /resolve} request ended at after its redirects (for an
 * LFS file the signed CDN URL), so that the parts of one file do not each ask the Hub again. Bounded in entries
 * (least recently used goes first) and in age (a signed URL expires; an older entry is not used). Keys name the token
 * too (as a fingerprint), so a URL resolved with one token is never handed to a client with another.
 *
 * <p>Lookups coalesce: while one download of a key is resolving, other lookups of that key wait for it and then use
 * its URL, so {@code n} parallel parts of a new file cost one Hub request, not {@code n}. The caller that got an empty
 * answer (it resolves) must {@link #settle} the key exactly once, whatever happens to it (success, failure or
 * cancellation); a waiter that was cancelled is skipped. Thread-safe; waiters are completed on the settling thread.
 */
final class ResolvedUrls {

    private record Entry(URI url, long storedAt) {
    }

    private final int capacity;
    private final long maxAgeNanos;
    private final LongSupplier clock;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, List<CompletableFuture<Optional<URI>>>> resolving = new HashMap<>();

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
    CompletableFuture<Optional<URI>> lookup(String key) {
        if (capacity == 0) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        synchronized (this) {
            Optional<URI> cached = fresh(key);
            if (cached.isPresent()) {
                return CompletableFuture.completedFuture(cached);
            }
            List<CompletableFuture<Optional<URI>>> waiters = resolving.get(key);
            if (waiters == null) {
                resolving.put(key, new ArrayList<>());
                return CompletableFuture.completedFuture(Optional.empty());
            }
            CompletableFuture<Optional<URI>> waiter = new CompletableFuture<>();
            waiters.add(waiter);
            return waiter;
        }
    }

    /**
     * Ends a resolution of {@code key}: stores {@code url} when not null (else the resolution failed), and wakes the
     * callers waiting for it (they use the URL; after a failure the first waiter still waiting resolves next).
     */
    void settle(String key, URI url) {
        if (capacity == 0) {
            return;
        }
        List<CompletableFuture<Optional<URI>>> woken;
        synchronized (this) {
            List<CompletableFuture<Optional<URI>>> waiters = resolving.remove(key);
            if (url != null) {
                entries.put(key, new Entry(url, clock.getAsLong()));
                while (entries.size() > capacity) {
                    entries.remove(entries.keySet().iterator().next());
                }
                woken = waiters;
            } else {
                woken = null;
                if (waiters != null) {
                    // the first waiter still waiting resolves next; the others keep waiting for it
                    Iterator<CompletableFuture<Optional<URI>>> it = waiters.iterator();
                    while (it.hasNext()) {
                        CompletableFuture<Optional<URI>> next = it.next();
                        it.remove();
                        if (next.complete(Optional.empty())) {
                            resolving.put(key, waiters);
                            break;
                        }
                    }
                }
            }
        }
        if (woken != null) {
            Optional<URI> result = Optional.of(url);
            woken.forEach(w -> w.complete(result));
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
