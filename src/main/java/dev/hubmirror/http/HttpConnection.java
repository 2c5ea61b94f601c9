package dev.hubmirror.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;

/**
 * One pooled HTTP/1.1 connection: the last handler of its channel's pipeline, after TLS and the codec. It serves one
 * {@link Exchange} at a time and hands every decoded message, the channel's end and its errors to it; anything that
 * arrives while no exchange is attached (a server talking out of turn on an idle connection) closes the connection.
 */
final class HttpConnection extends ChannelInboundHandlerAdapter {

    private final ConnectionPool pool;
    private final Channel channel;
    private final Route route;
    /** Through a proxy: the target as resolved here (unresolved when this host cannot resolve it). */
    private volatile InetSocketAddress proxiedTarget;
    private Exchange<?> current;
    private int exchanges;
    /** When an idle connection is closed; guarded by the pool's lock. */
    ScheduledFuture<?> idleClose;

    HttpConnection(ConnectionPool pool, Channel channel, Route route) {
        this.pool = pool;
        this.channel = channel;
        this.route = route;
    }

    Channel channel() {
        return channel;
    }

    EventLoop eventLoop() {
        return channel.eventLoop();
    }

    ConnectionPool pool() {
        return pool;
    }

    boolean isActive() {
        return channel.isActive();
    }

    /** Whether this connection served an exchange before the current one (it may have been closed by the server). */
    boolean reused() {
        return exchanges > 1;
    }

    /**
     * The address requests really go to: the connected peer, or through a proxy the target as resolved here (an
     * unresolved address when this host cannot resolve it: the proxy does).
     */
    InetSocketAddress targetAddress() {
        if (proxiedTarget != null) {
            return proxiedTarget;
        }
        return channel.remoteAddress() instanceof InetSocketAddress a ? a : null;
    }

    void proxiedTarget(InetSocketAddress target) {
        this.proxiedTarget = target;
    }

    /** The request target: origin form, or absolute form to a plain-http proxy. */
    String requestTarget(Request request) {
        return route.requestTarget(request);
    }

    /** Adds what the route needs (proxy credentials for a plain-http proxy). */
    void decorate(Request request, HttpHeaders headers) {
        route.decorate(request, headers);
    }

    /** Runs {@code x} on this connection, on its event loop. */
    void assign(Exchange<?> x) {
        channel.eventLoop().execute(() -> x.start(this));
    }

    void attach(Exchange<?> x) {
        current = x;
        exchanges++;
    }

    void detach(Exchange<?> x) {
        if (current == x) {
            current = null;
        }
    }

    /** Back to the pool for the next exchange (its response was read to the end). */
    void release() {
        pool.release(this);
    }

    void close() {
        channel.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Exchange<?> x = current;
        if (x == null || !(msg instanceof HttpObject object)) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        x.onMessage(object);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Exchange<?> x = current;
        if (x != null) {
            x.onInactive();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Exchange<?> x = current;
        if (x != null) {
            x.onError(cause);
        }
        ctx.close();
    }
}
