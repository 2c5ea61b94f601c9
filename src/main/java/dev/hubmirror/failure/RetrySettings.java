package dev.hubmirror.failure;

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
 * When to try a failed operation again: the one retry settings type of the service, used by the Hub client, every
 * store adapter and whole-file attempts, each built from its own config keys.
 *
 * <p>At most {@code maxAttempts} attempts, the first included. Before attempt {@code n + 1} after {@code n} consecutive
 * failures it waits the exponential step {@code initialBackoff * 2^(n-1)}, capped at {@code maxBackoff}, with jitter:
 * a random wait between {@code (1 - jitter)} of the step and the whole step (jitter 0: exactly the step; 1: anywhere
 * from 0). A server's hint ({@code Retry-After} in seconds or as an HTTP date, or the reset time of a
 * {@code RateLimit: ...;t=N} header) replaces the computed step, capped at {@code maxBackoff} too.
 *
 * @param maxAttempts attempts, the first one included (at least 1)
 * @param initialBackoff the step before the first retry
 * @param maxBackoff the longest single wait, computed or hinted
 * @param jitter the fraction of each step that is random, 0 to 1
 */
public record RetrySettings(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double jitter) {

    /** A single attempt: nothing is retried. */
    public static final RetrySettings NONE = new RetrySettings(1, Duration.ZERO, Duration.ZERO, 0);

    private static final Pattern RATE_LIMIT_RESET = Pattern.compile("(?:^|[;,\\s])t\\s*=\\s*(\\d{1,9})(?:$|[;,\\s])");

    /**
     * Validates the values.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public RetrySettings {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max attempts must be at least 1, got " + maxAttempts);
        }
        if (initialBackoff == null || maxBackoff == null || initialBackoff.isNegative() || maxBackoff.isNegative()) {
            throw new IllegalArgumentException("back-off durations must be zero or positive, got " + initialBackoff
                    + " and " + maxBackoff);
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("the maximum back-off " + maxBackoff + " is shorter than the initial "
                    + initialBackoff);
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter must be between 0 and 1, got " + jitter);
        }
    }

    /** Whether another attempt may follow {@code failedAttempts} consecutive failed ones. */
    public boolean mayRetry(int failedAttempts) {
        return failedAttempts < maxAttempts;
    }

    /**
     * The wait before the attempt that follows {@code failedAttempts} consecutive failures (1 for the first retry): the
     * server's hint if there is one, else the jittered exponential step; never more than {@code maxBackoff}.
     *
     * @param random a source of numbers in [0, 1), e.g. {@code ThreadLocalRandom.current()::nextDouble}
     */
    public Duration delay(int failedAttempts, Optional<Duration> serverHint, DoubleSupplier random) {
        if (serverHint.isPresent()) {
            Duration hint = serverHint.get().isNegative() ? Duration.ZERO : serverHint.get();
            return hint.compareTo(maxBackoff) <= 0 ? hint : maxBackoff;
        }
        long max = maxBackoff.toNanos();
        long step = initialBackoff.toNanos();
        for (int i = 1; i < failedAttempts && step < max; i++) {
            step = step > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : step * 2;
        }
        long capped = Math.min(step, max);
        long fixed = (long) (capped * (1 - jitter));
        long jittered = fixed + (long) (random.getAsDouble() * (capped - fixed));
        return Duration.ofNanos(Math.max(0, Math.min(capped, jittered)));
    }

    /** {@link #delay(int, Optional, DoubleSupplier)} with a thread-local random source and no server hint. */
    public Duration delay(int failedAttempts) {
        return delay(failedAttempts, Optional.empty(), () -> java.util.concurrent.ThreadLocalRandom.current()
                .nextDouble());
    }

    /**
     * The wait a response asks for: {@code Retry-After} (delay-seconds, or an HTTP date relative to {@code now}), else
     * the reset time {@code t} of a {@code RateLimit} header. Unparseable or negative values are ignored.
     */
    public static Optional<Duration> serverHint(String retryAfter, String rateLimit, Instant now) {
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
