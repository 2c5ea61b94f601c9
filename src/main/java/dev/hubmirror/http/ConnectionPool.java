package dev.hubmirror.http;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The connections to one origin: at most {@code maxConnectionsPerOrigin} open or opening, idle ones reused (the most
 * recently used first, so the others can expire), closed after {@code connectionIdleTimeout} unused, and a bounded
 * first-come-first-served queue of exchanges waiting for one. A connection that closes (or fails to open) makes room
 * for the first waiter. Thread-safe: one lock, held briefly, never across I/O.
 */
final class ConnectionPool {

    private final NettyHttpClient client;
    private final HttpOrigin origin;
    private final Route route;
    private final int maxConnections;
    private final int maxWaiting;
    private final long idleNanos;
    private final ArrayDeque<HttpConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<Exchange<?>> waiting = new ArrayDeque<>();
    private final Set<HttpConnection> connections = new HashSet<>();
    private int open;
    private boolean closed;

    ConnectionPool(NettyHttpClient client, HttpOrigin origin, Route route, HttpSettings settings) {
        this.client = client;
        this.origin = origin;
        this.route = route;
        this.maxConnections = settings.maxConnectionsPerOrigin();
        this.maxWaiting = settings.maxWaitingPerOrigin();
        this.idleNanos = settings.connectionIdleTimeout().toNanos();
    }

    HttpOrigin origin() {
        return origin;
    }

    Route route() {
        return route;
    }

    /** Runs {@code x} on an idle connection, a new one, or when one is free; fails it when the queue is full. */
    void acquire(Exchange<?> x) {
        HttpConnection reuse = null;
        boolean connect = false;
        HttpFailure refused = null;
        synchronized (this) {
            if (closed) {
                refused = new HttpFailure(HttpFailure.Kind.CLIENT_CLOSED, false, "the HTTP client was closed", null);
            } else {
                reuse = takeIdle();
                if (reuse == null) {
                    if (open < maxConnections) {
                        open++;
                        connect = true;
                    } else if (waiting.size() < maxWaiting) {
                        waiting.addLast(x);
                    } else {
                        refused = new HttpFailure(HttpFailure.Kind.QUEUE_FULL, false, waiting.size()
                                + " requests are already waiting for one of the " + maxConnections + " connections to "
                                + origin, null);
                    }
                }
            }
        }
        if (refused != null) {
            x.failWaiting(refused);
        } else if (reuse != null) {
            reuse.assign(x);
        } else if (connect) {
            client.connect(this, x);
        }
    }

    private HttpConnection takeIdle() {
        HttpConnection c;
        while ((c = idle.pollFirst()) != null) {
            if (c.idleClose != null) {
                c.idleClose.cancel(false);
                c.idleClose = null;
            }
            if (c.isActive()) {
                return c;
            }
        }
        return null;
    }

    /** Takes back a waiting exchange that was cancelled; false when it already got a connection. */
    synchronized boolean withdraw(Exchange<?> x) {
        return waiting.remove(x);
    }

    /** A new connection is ready. */
    void connected(HttpConnection c) {
        boolean refuse;
        synchronized (this) {
            refuse = closed;
            if (!refuse) {
                connections.add(c);
            }
        }
        if (refuse) {
            c.close();
        }
    }

    /** A connection could not be made: makes room for the next waiter. */
    void connectFailed() {
        Exchange<?> next;
        synchronized (this) {
            open--;
            next = nextToConnect();
        }
        if (next != null) {
            client.connect(this, next);
        }
    }

    /** A connection closed (for any reason). */
    void closed(HttpConnection c) {
        Exchange<?> next;
        synchronized (this) {
            connections.remove(c);
            idle.remove(c);
            if (c.idleClose != null) {
                c.idleClose.cancel(false);
                c.idleClose = null;
            }
            open--;
            next = nextToConnect();
        }
        if (next != null) {
            client.connect(this, next);
        }
    }

    private Exchange<?> nextToConnect() {
        if (closed || waiting.isEmpty() || open >= maxConnections) {
            return null;
        }
        open++;
        return waiting.pollFirst();
    }

    /** A connection whose exchange ended cleanly: to the first waiter, or idle. On the connection's event loop. */
    void release(HttpConnection c) {
        Exchange<?> next = null;
        boolean close = false;
        synchronized (this) {
            if (closed || !c.isActive()) {
                close = true;
            } else if (!waiting.isEmpty()) {
                next = waiting.pollFirst();
            } else {
                idle.addFirst(c);
                c.idleClose = c.eventLoop().schedule(() -> expire(c), idleNanos, TimeUnit.NANOSECONDS);
            }
        }
        if (close) {
            c.close();
        } else if (next != null) {
            c.assign(next);
        }
    }

    private void expire(HttpConnection c) {
        boolean wasIdle;
        synchronized (this) {
            wasIdle = idle.remove(c);
            c.idleClose = null;
        }
        if (wasIdle) {
            c.close();
        }
    }

    /** Connections open or opening, idle ones included. */
    synchronized int open() {
        return open;
    }

    /** Idle connections. */
    synchronized int idle() {
        return idle.size();
    }

    /** Exchanges waiting for a connection. */
    synchronized int waiting() {
        return waiting.size();
    }

    /** Closes every connection and fails every waiter; later acquisitions fail. */
    void close() {
        List<HttpConnection> all;
        List<Exchange<?>> waiters;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(connections);
            waiters = new ArrayList<>(waiting);
            waiting.clear();
            idle.clear();
        }
        all.forEach(HttpConnection::close);
        HttpFailure failure = new HttpFailure(HttpFailure.Kind.CLIENT_CLOSED, false, "the HTTP client was closed",
                null);
        waiters.forEach(x -> x.failWaiting(failure));
    }
}
