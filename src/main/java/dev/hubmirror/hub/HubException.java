package dev.hubmirror.hub;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import java.time.Duration;
import java.util.Optional;

/** A failure talking to the Hub, with the HTTP status when there was one and the server's retry hint. */
public class HubException extends MirrorException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final transient Optional<Duration> retryAfter;

    public HubException(Reason reason, int status, String message, Duration retryAfter, Throwable cause) {
        this(reason, reason.retriable(), status, message, retryAfter, cause);
    }

    /** With an explicit {@code retriable} flag, for failures whose retry decision differs from the reason's default. */
    public HubException(Reason reason, boolean retriable, int status, String message, Duration retryAfter,
            Throwable cause) {
        super(reason, retriable, message, cause);
        this.status = status;
        this.retryAfter = Optional.ofNullable(retryAfter);
    }

    public HubException(Reason reason, int status, String message) {
        this(reason, status, message, null, null);
    }

    /** The HTTP status, or 0 when the failure happened below HTTP. */
    public int status() {
        return status;
    }

    /** How long the server asked us to wait ({@code Retry-After}, {@code RateLimit t=}), if it said. */
    public Optional<Duration> retryAfter() {
        return retryAfter;
    }
}
