package dev.hubmirror.http;

import java.net.InetSocketAddress;

/**
 * A last look at the address a request is about to be sent to, after the connection was made (or taken from the pool)
 * and before any byte of the request is written: a check on the peer the socket is really connected to cannot be
 * fooled by a name that resolves differently between a check and the connection (DNS rebinding).
 */
@FunctionalInterface
public interface PeerCheck {

    /** Accepts everything. */
    PeerCheck NONE = peer -> null;

    /**
     * Why the request must not be sent to {@code peer} (the exchange fails with it and the connection is closed), or
     * null to send it.
     */
    RuntimeException refuse(InetSocketAddress peer);
}
