package dev.hubmirror.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Scriptable faults, injected in the simulator's real request path. A {@code path} is a file path inside a repo
 * (it matches that path in every repo); counted faults are used up one per matching request, in the order they
 * were added. Thread-safe; {@link #clear()} removes every fault.
 *
 * <p>Which requests "touch a file": its {@code resolve} request on the Hub, for regular files the
 * {@code /api/resolve-cache/...} request, and for LFS files the CDN request. Its "content GETs" are the
 * resolve-cache GET (regular files) and the CDN GET (LFS files).
 */
public final class Faults {

    /** A status to answer instead of serving: {@code retryAfterSeconds >= 0} for a 429 with rate-limit headers. */
    record StatusFault(int status, int retryAfterSeconds) {
    }

    private static final class Counted {
        final String path;
        int remaining;
        final long value;
        final int retryAfter;

        Counted(String path, int remaining, long value, int retryAfter) {
            this.path = path;
            this.remaining = remaining;
            this.value = value;
            this.retryAfter = retryAfter;
        }
    }

    private final List<Counted> statuses = new ArrayList<>();
    private final List<Counted> cuts = new ArrayList<>();
    private final List<Counted> expiries = new ArrayList<>();
    private final Map<String, TreeSet<Long>> corruptions = new HashMap<>();
    private final Map<String, Long> sizeDeltas = new HashMap<>();

    Faults() {
    }

    /**
     * For the next {@code times} content GETs of {@code path}, sends the response headers (with the full
     * Content-Length) and then only the first {@code bytes} body bytes of that response (counted from the start of
     * the response, also for a Range response), then closes the connection. When {@code bytes} is not less than
     * the body, the body is served whole (and the fault is used up).
     */
    public synchronized Faults cutAfter(String path, long bytes, int times) {
        requirePath(path);
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must be >= 0, was " + bytes);
        }
        cuts.add(new Counted(path, positive(times), bytes, -1));
        return this;
    }

    /**
     * Answers {@code status} (e.g. 500, 502, 503) to the next {@code times} requests touching {@code path}
     * (resolve, resolve-cache or CDN); {@code path null} matches any request on either listener, including
     * {@code api/revision} and {@code api/tree}. Hub answers carry a JSON {@code {"error": ...}} body, CDN answers
     * an XML one.
     */
    public synchronized Faults status(String path, int status, int times) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status must be an error status 400..599, was " + status);
        }
        statuses.add(new Counted(path, positive(times), status, -1));
        return this;
    }

    /**
     * Answers 429 with {@code Retry-After: N}, {@code RateLimit: "resolvers";r=0;t=N} and {@code RateLimit-Policy}
     * to the next {@code times} Hub requests touching {@code path} ({@code null}: any Hub request). The CDN never
     * rate-limits, like the real one.
     */
    public synchronized Faults tooManyRequests(String path, int times, int retryAfterSeconds) {
        if (retryAfterSeconds < 0) {
            throw new IllegalArgumentException("retryAfterSeconds must be >= 0, was " + retryAfterSeconds);
        }
        statuses.add(new Counted(path, positive(times), 429, retryAfterSeconds));
        return this;
    }

    /** Serves the content of {@code path} with the byte at {@code offset} inverted, every time, until {@link #clear}. */
    public synchronized Faults corruptByte(String path, long offset) {
        requirePath(path);
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, was " + offset);
        }
        corruptions.computeIfAbsent(path, p -> new TreeSet<>()).add(offset);
        return this;
    }

    /**
     * Serves {@code path} as if its content had {@code size + delta} bytes (the generated stream continues past the
     * end, or stops early): the body really has that many bytes and Content-Length / Content-Range match it, as a
     * real server would send; the tree, the revision info and {@code X-Linked-Size} still say {@code size}. Every
     * time, until {@link #clear}.
     */
    public synchronized Faults wrongSize(String path, long delta) {
        requirePath(path);
        sizeDeltas.put(path, delta);
        return this;
    }

    /**
     * Makes the next {@code times} signed CDN URLs issued for {@code path} (by the 302 of its resolve request)
     * single-use: the first CDN request with such a URL is served as usual, every later one is answered 403
     * {@code AccessDenied / Request has expired}, like a URL past its {@code Expires}. Combined with
     * {@link #cutAfter}, the client's resumed Range request hits an expired URL and must resolve the file again
     * (the new URL is valid when {@code times} is used up).
     */
    public synchronized Faults expireSignedUrls(String path, int times) {
        requirePath(path);
        expiries.add(new Counted(path, positive(times), 0, -1));
        return this;
    }

    /** Removes every fault. */
    public synchronized void clear() {
        statuses.clear();
        cuts.clear();
        expiries.clear();
        corruptions.clear();
        sizeDeltas.clear();
    }

    /** Uses up and returns the first status fault matching a request touching {@code path} (null: none). */
    synchronized StatusFault takeStatus(String path, boolean hub) {
        for (Iterator<Counted> it = statuses.iterator(); it.hasNext();) {
            Counted c = it.next();
            boolean rateLimit = c.retryAfter >= 0;
            if ((c.path == null || Objects.equals(c.path, path)) && (hub || !rateLimit)) {
                if (--c.remaining <= 0) {
                    it.remove();
                }
                return new StatusFault((int) c.value, c.retryAfter);
            }
        }
        return null;
    }

    /** Uses up a cut for a content GET of {@code path}: the body bytes to send before closing, or -1. */
    synchronized long takeCut(String path) {
        Counted c = take(cuts, path);
        return c == null ? -1 : c.value;
    }

    /** Uses up an expiry for a signed URL being issued for {@code path}. */
    synchronized boolean takeExpiringUrl(String path) {
        return take(expiries, path) != null;
    }

    /** Offsets of the bytes of {@code path} to invert, ascending. */
    synchronized long[] corruptOffsets(String path) {
        TreeSet<Long> s = corruptions.get(path);
        return s == null ? new long[0] : s.stream().mapToLong(Long::longValue).toArray();
    }

    /** How many bytes more (or fewer) than its size {@code path} is served with. */
    synchronized long sizeDelta(String path) {
        return sizeDeltas.getOrDefault(path, 0L);
    }

    private static Counted take(List<Counted> list, String path) {
        for (Iterator<Counted> it = list.iterator(); it.hasNext();) {
            Counted c = it.next();
            if (c.path.equals(path)) {
                if (--c.remaining <= 0) {
                    it.remove();
                }
                return c;
            }
        }
        return null;
    }

    private static void requirePath(String path) {
        if (path == null || path.isEmpty()) {
            throw new IllegalArgumentException("this fault needs a file path");
        }
    }

    private static int positive(int times) {
        if (times <= 0) {
            throw new IllegalArgumentException("times must be >= 1, was " + times);
        }
        return times;
    }
}
