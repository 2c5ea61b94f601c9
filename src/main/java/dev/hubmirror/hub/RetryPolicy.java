package dev.hubmirror.hub;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When to try a failed Hub request again: exponential backoff from {@code initialBackoff}, doubling per attempt, with
 * jitter (a random delay between half and all of the step), at most {@code maxBackoff}; a server hint
 * ({@code Retry-After} in seconds or as an HTTP date, or {@code RateLimit: ...;t=N}) replaces the computed step, capped
 * by {@code maxBackoff} too.
 */
final class RetryPolicy {

    private static final Pattern RATE_LIMIT_RESET = Pattern.compile("(?:^|[;,\\s])t\\s*=\\s*(\\d{1,9})(?:$|[;,\\s])");

    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final DoubleSupplier random;

    RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, DoubleSupplier random) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("mirror.hub.max-attempts must be at least 1, got " + maxAttempts);
        }
        this.maxAttempts = maxAttempts;
        this.initialBackoff = initialBackoff.isNegative() ? Duration.ZERO : initialBackoff;
        this.maxBackoff = maxBackoff.isNegative() ? Duration.ZERO : maxBackoff;
        this.random = random;
    }

    /** Attempts per request, the first one included. */
    int maxAttempts() {
        return maxAttempts;
    }

    /** Whether another attempt may follow {@code failedAttempts} consecutive failed ones. */
    boolean mayRetry(int failedAttempts) {
        return failedAttempts < maxAttempts;
    }

    /**
     * The delay before the attempt that follows {@code failedAttempts} consecutive failures (1 for the first retry):
     * the server's hint if it gave one, else the jittered exponential step; never more than {@code maxBackoff}.
     */
    Duration delay(int failedAttempts, Optional<Duration> serverHint) {
        if (serverHint.isPresent()) {
            return min(serverHint.get(), maxBackoff);
        }
        long initial = initialBackoff.toNanos();
        long step = initial;
        for (int i = 1; i < failedAttempts && step < maxBackoff.toNanos(); i++) {
            step = step > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : step * 2;
        }
        long capped = Math.min(step, maxBackoff.toNanos());
        long jittered = capped / 2 + (long) (random.getAsDouble() * (capped - capped / 2));
        return Duration.ofNanos(Math.max(0, jittered));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /**
     * The wait a response asks for: {@code Retry-After} (delay-seconds or HTTP date relative to {@code now}), else the
     * reset time {@code t} of a {@code RateLimit} header. Unparseable or negative values are ignored.
     */
    static Optional<Duration> serverHint(String retryAfter, String rateLimit, Instant now) {
        if (retryAfter != null && !retryAfter.isBlank()) {
            String value = retryAfter.trim();
            if (value.chars().allMatch(Character::isDigit) && value.length() <= 9) {
                return Optional.of(Duration.ofSeconds(Long.parseLong(value)));
            }
            try {
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration wait = Duration.between(now, at);
                return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
            } catch (DateTimeParseException e) {
                // not a date either: fall through to RateLimit
            }
        }
        if (rateLimit != null) {
            Matcher m = RATE_LIMIT_RESET.matcher(rateLimit);
            if (m.find()) {
                return Optional.of(Duration.ofSeconds(Long.parseLong(m.group(1))));
            }
        }
        return Optional.empty();
    }
}
