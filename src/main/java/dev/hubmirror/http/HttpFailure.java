package dev.hubmirror.http;

import java.io.IOException;

/**
 * Why an exchange failed below the level of HTTP statuses: no connection, a connection cut or stalled, a response that
 * is not HTTP. Messages name the origin (never a query string) and no credentials. Failures a {@link BodyReader} or a
 * {@link ResponseHandler} throws are passed through unchanged instead.
 */
public final class HttpFailure extends IOException {

    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** The connection could not be made (DNS, refused, unreachable, the proxy refused the tunnel). */
        CONNECT,
        /** No connection (TCP and TLS) within the connect timeout. */
        CONNECT_TIMEOUT,
        /** The TLS handshake failed (certificate not trusted, host name mismatch, protocol). */
        TLS,
        /** The connection was closed or reset before the response ended. */
        CLOSED,
        /** No byte arrived for the idle timeout while one was awaited. */
        IDLE,
        /** Fewer bytes than the minimum rate arrived over the rate window. */
        TOO_SLOW,
        /** The response is not valid HTTP/1.1. */
        PROTOCOL,
        /** Too many requests were already waiting for a connection to this origin. */
        QUEUE_FULL,
        /** The client was closed. */
        CLIENT_CLOSED
    }

    private final Kind kind;
    private final boolean headReceived;

    /**
     * @param headReceived whether the response head had arrived when it failed
     */
    public HttpFailure(Kind kind, boolean headReceived, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.headReceived = headReceived;
    }

    /** What went wrong. */
    public Kind kind() {
        return kind;
    }

    /** Whether the response head had arrived (the failure came while reading the body). */
    public boolean headReceived() {
        return headReceived;
    }
}
