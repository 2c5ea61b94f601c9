package dev.hubmirror.hub;

import dev.hubmirror.failure.Reason;

/**
 * What the Hub client reports for monitoring: every response it receives and every retry. It knows no metrics
 * library; {@code dev.hubmirror.metrics} implements it. Called on Vert.x event loops: implementations must be
 * thread-safe, fast, and must not block or throw.
 */
public interface HubObserver {

    /**
     * A response head arrived (redirects included), or none did: {@code status} is the HTTP status, 0 when the request
     * failed below HTTP (connection refused or cut, timeout). {@code fromHub} is true for the Hub's own origin, false
     * for a CDN or another redirect target.
     */
    void response(int status, boolean fromHub);

    /** A failed request or download attempt will be tried again, after its backoff. */
    void retry(Reason reason);

    /** Reports nothing. */
    HubObserver NONE = new HubObserver() {
        @Override
        public void response(int status, boolean fromHub) {
        }

        @Override
        public void retry(Reason reason) {
        }
    };
}
