package dev.hubmirror.api.rest;

import dev.hubmirror.config.ApiConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How fast each caller may submit ({@code mirror.api.rate-limit.*}): a token bucket per caller holding
 * {@code submissions} tokens, refilled evenly over {@code period}; a submission takes one. At most
 * {@value #MAX_CALLERS} callers are tracked: when more appear (OIDC subjects are not a fixed set), buckets idle for a
 * whole period (full again anyway) are dropped, and if that is not enough every bucket is, which forgives recent
 * submissions rather than holding memory without bound.
 */
@Singleton
public class SubmissionRate {

    static final int MAX_CALLERS = 10_000;

    private final int capacity;
    private final long periodNanos;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    @Inject
    public SubmissionRate(ApiConfig config) {
        this(config.rateLimit().submissions(), config.rateLimit().period());
    }

    SubmissionRate(int submissions, Duration period) {
        this.capacity = Math.max(0, submissions);
        this.periodNanos = Math.max(1, period.toNanos());
    }

    /** Whether a limit applies at all ({@code submissions} above 0). */
    boolean enabled() {
        return capacity > 0;
    }

    /** The configured limit, for messages: {@code 60 submissions per 1m}. */
    String describe() {
        return capacity + " submissions per " + Duration.ofNanos(periodNanos).toString().substring(2).toLowerCase(Locale.ROOT);
    }

    /** Takes one submission for {@code caller}: empty when allowed, else how long until the next one is. */
    Optional<Duration> take(String caller) {
        if (!enabled()) {
            return Optional.empty();
        }
        long now = System.nanoTime();
        if (buckets.size() >= MAX_CALLERS && !buckets.containsKey(caller)) {
            buckets.values().removeIf(b -> b.idleSince(now) >= periodNanos);
            if (buckets.size() >= MAX_CALLERS) {
                buckets.clear();
            }
        }
        return buckets.computeIfAbsent(caller, c -> new Bucket(capacity, now)).take(now);
    }

    /** One caller's tokens. */
    private final class Bucket {
        private double tokens;
        private long updated;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.updated = now;
        }

        synchronized Optional<Duration> take(long now) {
            double perNano = (double) capacity / periodNanos;
            tokens = Math.min(capacity, tokens + (now - updated) * perNano);
            updated = now;
            if (tokens >= 1) {
                tokens -= 1;
                return Optional.empty();
            }
            return Optional.of(Duration.ofNanos((long) Math.ceil((1 - tokens) / perNano)));
        }

        synchronized long idleSince(long now) {
            return now - updated;
        }
    }
}
