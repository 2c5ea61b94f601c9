package dev.hubmirror.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.proxy.HttpProxyHandler;
import io.netty.handler.proxy.ProxyConnectException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.NoopAddressResolverGroup;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;

/**
 * A small streaming HTTP/1.1 client on Netty that runs on Vert.x's own event loops (the Quarkus-managed Vertx), with
 * its transport's channels, its non-blocking DNS resolver and Netty's pooled buffers.
 *
 * <ul>
 * <li><b>Connections</b> are pooled per origin ({@link ConnectionPool}): a bounded number per origin, kept alive and
 * reused, closed when idle, a bounded FIFO of waiting requests. TLS uses Netty's {@link SslContext} on the JDK
 * provider: SNI, host name verification, the JVM trust store plus any configured certificates
 * ({@link TlsTrust}).</li>
 * <li><b>Bytes</b>: the response head is handed to a {@link ResponseHandler} before the body; the body goes chunk by
 * chunk, as the codec decoded it from the socket's pooled buffers, to the {@link BodyReader} the handler chose, which
 * copies it where it belongs; the chunk is released as soon as the reader returns. No body is aggregated here.</li>
 * <li><b>Proxies</b> ({@link ProxySettings}): an https origin through a {@code CONNECT} tunnel (Netty's
 * {@link HttpProxyHandler}, then TLS to the origin inside it), a plain-http origin as absolute-form requests to the
 * proxy; the {@link PeerCheck} then judges the target as resolved here, not the proxy.</li>
 * <li><b>Ending</b>: one {@link Watchdog} per exchange (idle timeout and minimum rate); a response that fails,
 * stalls, is cancelled or whose reader stops closes its connection; only a response read to its end is reused.</li>
 * </ul>
 * Thread-safe; {@link #exchange} may be called from any thread. Create one per service and {@link #close()} it.
 */
public final class NettyHttpClient implements AutoCloseable {

    /** Longest status line, header line and header block accepted. */
    private static final int MAX_INITIAL_LINE = 8192;
    private static final int MAX_HEADER_BYTES = 64 * 1024;
    /** Largest body chunk the codec emits: larger than any socket read, so chunks are the socket's own buffers. */
    private static final int MAX_CHUNK = 1 << 20;

    private final HttpSettings settings;
    private final io.netty.channel.EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final AddressResolverGroup<InetSocketAddress> resolvers;
    private final SslContext ssl;
    private final int connectMillis;
    private final ConcurrentHashMap<HttpOrigin, ConnectionPool> pools = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * A client on {@code vertx}'s event loops.
     *
     * @throws IllegalArgumentException when a trusted certificate file cannot be read
     */
    public NettyHttpClient(Vertx vertx, HttpSettings settings) {
        VertxInternal internal = (VertxInternal) vertx;
        this.settings = settings;
        this.group = internal.getEventLoopGroup();
        this.connectMillis = (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis());
        this.ssl = TlsTrust.clientContext(settings.trustCertificates());
        this.resolvers = internal.nettyAddressResolverGroup();
        this.bootstrap = new Bootstrap()
                .channelFactory(internal.transport().channelFactory(false))
                .resolver(resolvers)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT);
    }

    /** The settings this client was made with. */
    public HttpSettings settings() {
        return settings;
    }

    /**
     * Sends {@code request} when a connection to its origin is free and completes with what {@code handler}'s reader
     * makes of the response. Lazy (nothing happens before subscription) and not repeatable (the request's body is
     * consumed): build a new request to send again. Completes on the connection's event loop; cancelling closes the
     * connection (or withdraws the request from the queue). Fails with {@link HttpFailure} below HTTP, or with what
     * the handler or the reader threw.
     */
    public <T> Uni<T> exchange(Request request, ResponseHandler<T> handler) {
        return Uni.createFrom().emitter(emitter -> {
            ConnectionPool pool = closed ? null : pool(request.origin());
            Exchange<T> x = new Exchange<>(request, handler, emitter, settings, pool);
            emitter.onTermination(x::terminated);
            if (pool == null) {
                x.failWaiting(new HttpFailure(HttpFailure.Kind.CLIENT_CLOSED, false, "the HTTP client was closed",
                        null));
                return;
            }
            pool.acquire(x);
        });
    }

    private ConnectionPool pool(HttpOrigin origin) {
        return pools.computeIfAbsent(origin, o -> new ConnectionPool(this, o, settings.proxy().forTarget(o)
                .<Route>map(p -> new Route.Proxied(p, o.secure())).orElse(Route.DIRECT), settings));
    }

    /** Opens a connection of {@code pool} for {@code x}; the pool counted it already. */
    void connect(ConnectionPool pool, Exchange<?> x) {
        EventLoop loop = group.next();
        ProxySettings.Proxy proxy = pool.route().proxy();
        if (proxy == null) {
            open(pool, x, loop, null, null);
            return;
        }
        // through a proxy: resolve the target here for the peer check (the proxy resolves it for itself; a name this
        // host cannot resolve stays unresolved), and the proxy's own address for the tunnel
        HttpOrigin origin = pool.origin();
        AddressResolver<InetSocketAddress> resolver = resolvers.getResolver(loop);
        resolver.resolve(InetSocketAddress.createUnresolved(origin.host(), origin.port())).addListener(t -> {
            InetSocketAddress target = t.isSuccess() ? (InetSocketAddress) t.getNow()
                    : InetSocketAddress.createUnresolved(origin.host(), origin.port());
            if (!origin.secure()) {
                open(pool, x, loop, target, null);
                return;
            }
            resolver.resolve(InetSocketAddress.createUnresolved(proxy.host(), proxy.port())).addListener(p -> {
                if (p.isSuccess()) {
                    open(pool, x, loop, target, (InetSocketAddress) p.getNow());
                } else {
                    pool.connectFailed();
                    x.failWaiting(connectFailure(pool, p.cause()));
                }
            });
        });
    }

    /**
     * Connects: straight to the origin, to a plain-http proxy ({@code tunnelVia} null, {@code target} set), or through
     * a {@code CONNECT} tunnel of the proxy at {@code tunnelVia}.
     */
    private void open(ConnectionPool pool, Exchange<?> x, EventLoop loop, InetSocketAddress target,
            InetSocketAddress tunnelVia) {
        HttpOrigin origin = pool.origin();
        ProxySettings.Proxy proxy = pool.route().proxy();
        Bootstrap b = bootstrap.clone(loop).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (tunnelVia != null) {
                    HttpProxyHandler tunnel = proxy.username().isPresent()
                            ? new HttpProxyHandler(tunnelVia, proxy.username().get(), proxy.password().orElse(""))
                            : new HttpProxyHandler(tunnelVia);
                    tunnel.setConnectTimeoutMillis(connectMillis);
                    ch.pipeline().addLast("proxy", tunnel);
                }
                if (origin.secure()) {
                    SslHandler tls = ssl.newHandler(ch.alloc(), origin.host(), origin.port());
                    tls.setHandshakeTimeoutMillis(connectMillis);
                    ch.pipeline().addLast("tls", tls);
                }
                ch.pipeline().addLast("codec", new HttpClientCodec(new HttpDecoderConfig()
                        .setMaxInitialLineLength(MAX_INITIAL_LINE).setMaxHeaderSize(MAX_HEADER_BYTES)
                        .setMaxChunkSize(MAX_CHUNK), false, false));
                HttpConnection c = new HttpConnection(pool, ch, pool.route());
                if (target != null) {
                    c.proxiedTarget(target);
                }
                ch.pipeline().addLast("exchange", c);
            }
        });
        ChannelFuture connecting;
        if (tunnelVia != null) {
            connecting = b.resolver(NoopAddressResolverGroup.INSTANCE)
                    .connect(InetSocketAddress.createUnresolved(origin.host(), origin.port()));
        } else if (proxy != null) {
            connecting = b.connect(InetSocketAddress.createUnresolved(proxy.host(), proxy.port()));
        } else {
            connecting = b.connect(InetSocketAddress.createUnresolved(origin.host(), origin.port()));
        }
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                pool.connectFailed();
                x.failWaiting(connectFailure(pool, f.cause()));
                return;
            }
            Channel ch = connecting.channel();
            HttpConnection c = ch.pipeline().get(HttpConnection.class);
            ch.closeFuture().addListener(v -> pool.closed(c));
            HttpProxyHandler tunnel = ch.pipeline().get(HttpProxyHandler.class);
            if (tunnel == null) {
                handshake(pool, c, x);
                return;
            }
            tunnel.connectFuture().addListener(t -> {
                if (t.isSuccess()) {
                    handshake(pool, c, x);
                } else {
                    ch.close();
                    x.failWaiting(connectFailure(pool, t.cause()));
                }
            });
        });
    }

    private void handshake(ConnectionPool pool, HttpConnection c, Exchange<?> x) {
        SslHandler tls = c.channel().pipeline().get(SslHandler.class);
        if (tls == null) {
            ready(pool, c, x);
            return;
        }
        tls.handshakeFuture().addListener(h -> {
            if (h.isSuccess()) {
                ready(pool, c, x);
            } else {
                c.channel().close();
                x.failWaiting(connectFailure(pool, h.cause()));
            }
        });
    }

    private static void ready(ConnectionPool pool, HttpConnection c, Exchange<?> x) {
        pool.connected(c);
        x.start(c);
    }

    private static HttpFailure connectFailure(ConnectionPool pool, Throwable cause) {
        HttpFailure.Kind kind;
        if (cause instanceof ConnectTimeoutException || cause instanceof SslHandshakeTimeoutException
                || cause instanceof ProxyConnectException && String.valueOf(cause.getMessage()).contains("timeout")) {
            kind = HttpFailure.Kind.CONNECT_TIMEOUT;
        } else if (cause instanceof SSLException || cause != null && cause.getCause() instanceof SSLException) {
            kind = HttpFailure.Kind.TLS;
        } else {
            kind = HttpFailure.Kind.CONNECT;
        }
        ProxySettings.Proxy proxy = pool.route().proxy();
        return new HttpFailure(kind, false, "could not connect to " + pool.origin()
                + (proxy == null ? "" : " through the proxy " + proxy) + ": " + Exchange.describe(cause), cause);
    }

    /** Connections open or opening to {@code origin} (for tests and metrics). */
    public int openConnections(HttpOrigin origin) {
        ConnectionPool pool = pools.get(origin);
        return pool == null ? 0 : pool.open();
    }

    /** Idle pooled connections to {@code origin}. */
    public int idleConnections(HttpOrigin origin) {
        ConnectionPool pool = pools.get(origin);
        return pool == null ? 0 : pool.idle();
    }

    /** Closes every connection; exchanges in flight fail, later ones fail at once. Does not wait. */
    @Override
    public void close() {
        closed = true;
        List<ConnectionPool> all = new ArrayList<>(pools.values());
        all.forEach(ConnectionPool::close);
    }
}
