package dev.hubmirror.registry;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import java.time.Duration;
import java.util.Optional;

/**
 * A failure talking to a registry (or its token service, its blob storage, a Helm repository), with the HTTP status
 * when there was one, the registry's error code ({@code MANIFEST_UNKNOWN}, {@code BLOB_UPLOAD_INVALID}...) and the
 * server's retry hint.
 */
public class RegistryException extends MirrorException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final transient Optional<Duration> retryAfter;

    public RegistryException(Reason reason, boolean retriable, int status, String code, String message,
            Duration retryAfter, Throwable cause) {
        super(reason, retriable, message, cause);
        this.status = status;
        this.code = code == null ? "" : code;
        this.retryAfter = Optional.ofNullable(retryAfter);
    }

    public RegistryException(Reason reason, int status, String message) {
        this(reason, reason.retriable(), status, "", message, null, null);
    }

    /** The HTTP status, or 0 when the failure happened below HTTP. */
    public int status() {
        return status;
    }

    /** The registry's error code from the body ({@code errors[0].code}), or "". */
    public String code() {
        return code;
    }

    /** How long the server asked us to wait ({@code Retry-After}), if it said. */
    public Optional<Duration> retryAfter() {
        return retryAfter;
    }

    /** Whether this says the upload session is gone (cancelled, expired, or its state no longer matches). */
    public boolean uploadLost() {
        return code.equals("BLOB_UPLOAD_UNKNOWN") || code.equals("BLOB_UPLOAD_INVALID") || status == 416
                || status == 404 && code.isEmpty();
    }
}
