package dev.hubmirror.failure;

import java.time.Duration;

/**
 * A refusal that tells the caller when trying again makes sense (a full queue, a rate limit, a dependency that is not
 * ready): the REST answer carries it as {@code Retry-After}.
 */
public class RetryLaterException extends MirrorException {

    private static final long serialVersionUID = 1L;

    private final Duration retryAfter;

    public RetryLaterException(Reason reason, String message, Duration retryAfter) {
        super(reason, true, message, null);
        this.retryAfter = retryAfter;
    }

    /** How long the caller should wait before trying again; at least one second. */
    public Duration retryAfter() {
        return retryAfter.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : retryAfter;
    }
}
