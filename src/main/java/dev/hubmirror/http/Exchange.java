package dev.hubmirror.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.smallrye.mutiny.subscription.UniEmitter;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;

/**
 * One request and its response on one connection. Its I/O runs on the connection's event loop; it is created on the
 * subscriber's thread, may wait in its origin's pool, and may be cancelled from any thread.
 *
 * <p>Lifecycle: waiting for a connection, then {@link #start} (peer check, request written, watchdog on), the head
 * (handed to the {@link ResponseHandler}), the body (chunk by chunk to the {@link BodyReader}), the end. It settles
 * exactly once: the result, a failure, or a cancellation. A connection whose response was read to its end (and that
 * may be kept alive) goes back to the pool; on every other end (failure, cancellation, a reader that stopped, a stall)
 * the connection is closed before the exchange settles, so no late byte of it can reach anyone.
 *
 * <p>A request body larger than {@link #SLICE} goes out in slices of it, at most {@link #SLICES_IN_FLIGHT} queued on
 * the channel at once, each counted by the watchdog once the socket took it (so a long upload is not mistaken for a
 * silent server, and TLS encrypts a bounded amount at a time). A reader may pause the body ({@link ReadFlow}): the
 * channel's auto-read goes off and chunks decoded meanwhile wait here, in order, until it resumes.
 */
final class Exchange<T> implements Watchdog.Target, ReadFlow {

    /** Request bodies larger than this are written in slices of this size. */
    static final int SLICE = 256 * 1024;
    /** Slices of a request body queued on the channel at once. */
    private static final int SLICES_IN_FLIGHT = 2;

    private final Request request;
    private final ResponseHandler<T> handler;
    private final UniEmitter<? super T> emitter;
    private final HttpSettings settings;
    private final ConnectionPool pool;
    private final String userAgent;
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile boolean cancelled;
    private volatile HttpConnection connection;

    // confined to the connection's event loop once started
    private BodyReader<T> reader;
    private Watchdog watchdog;
    private boolean head;
    private boolean informational;
    private boolean keepAlive;
    private boolean done;
    private boolean bodySent;
    private boolean resentOnce;
    private boolean requestWritten;
    private int sendIndex;
    private int slicesInFlight;
    private boolean paused;
    private boolean pausedInDelivery;
    private boolean delivering;
    private final ArrayDeque<HttpContent> held = new ArrayDeque<>();

    Exchange(Request request, ResponseHandler<T> handler, UniEmitter<? super T> emitter, HttpSettings settings,
            ConnectionPool pool) {
        this.pool = pool;
        this.request = request;
        this.handler = handler;
        this.emitter = emitter;
        this.settings = settings;
        this.userAgent = settings.userAgent();
    }

    Request request() {
        return request;
    }

    boolean cancelled() {
        return cancelled;
    }

    /** Runs on {@code c}'s event loop: checks the peer, writes the request, starts the watchdog. */
    void start(HttpConnection c) {
        connection = c;
        if (cancelled || done) {
            connection = null;
            releaseBody();
            c.release();
            return;
        }
        c.attach(this);
        RuntimeException refused;
        try {
            refused = request.peerCheck().refuse(c.targetAddress());
        } catch (RuntimeException e) {
            refused = e;
        }
        if (refused != null) {
            finish(false, null, refused);
            return;
        }
        watchdog = new Watchdog(this, settings.idleTimeout().toNanos(), settings.minBytesPerSecond(),
                settings.minRateWindow().toNanos());
        head = false;
        informational = false;
        requestWritten = false;
        paused = false;
        watchdog.start(c.eventLoop());
        ByteBuf body = request.body();
        if (body != null && body.readableBytes() > SLICE) {
            // sliced: the body stays ours (released when the exchange ends); each slice holds its own reference
            sendIndex = body.readerIndex();
            slicesInFlight = 0;
            c.channel().write(head(c)).addListener(f -> {
                if (!f.isSuccess() && !done) {
                    sendFailed(f.cause());
                }
            });
            writeSlices(c);
            return;
        }
        int length = body == null ? 0 : body.readableBytes();
        FullHttpRequest message = message(c);
        bodySent = true;
        c.channel().writeAndFlush(message).addListener(f -> {
            if (!f.isSuccess()) {
                if (!done) {
                    sendFailed(f.cause());
                }
            } else if (!done) {
                watchdog.received += length;
                requestWritten = true;
            }
        });
    }

    /** Queues the next slices of the body, keeping at most {@link #SLICES_IN_FLIGHT} on the channel. On the loop. */
    private void writeSlices(HttpConnection c) {
        ByteBuf body = request.body();
        int end = body.writerIndex();
        while (!done && slicesInFlight < SLICES_IN_FLIGHT && sendIndex < end) {
            int n = Math.min(SLICE, end - sendIndex);
            ByteBuf slice = body.retainedSlice(sendIndex, n);
            sendIndex += n;
            boolean last = sendIndex == end;
            slicesInFlight++;
            HttpContent piece = last ? new DefaultLastHttpContent(slice) : new DefaultHttpContent(slice);
            c.channel().writeAndFlush(piece).addListener(f -> {
                slicesInFlight--;
                if (done) {
                    return;
                }
                if (!f.isSuccess()) {
                    sendFailed(f.cause());
                    return;
                }
                watchdog.received += n;
                if (last) {
                    requestWritten = true;
                } else {
                    writeSlices(c);
                }
            });
        }
    }

    private void sendFailed(Throwable cause) {
        fail(HttpFailure.Kind.CLOSED, "could not send the request to " + request.origin() + ": " + describe(cause),
                cause);
    }

    private HttpRequest head(HttpConnection c) {
        HttpHeaders headers = headers(c, request.body().readableBytes());
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), c.requestTarget(request), headers);
    }

    private HttpHeaders headers(HttpConnection c, int length) {
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.set(HttpHeaderNames.HOST, request.origin().authority());
        headers.set(HttpHeaderNames.USER_AGENT, userAgent);
        headers.setAll(request.headers());
        HttpMethod method = request.method();
        if (request.body() != null || method.equals(HttpMethod.POST) || method.equals(HttpMethod.PUT)
                || method.equals(HttpMethod.PATCH)) {
            headers.set(HttpHeaderNames.CONTENT_LENGTH, length);
        }
        c.decorate(request, headers);
        return headers;
    }

    private FullHttpRequest message(HttpConnection c) {
        ByteBuf body = request.body() == null ? Unpooled.EMPTY_BUFFER : request.body();
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, request.method(), c.requestTarget(request), body,
                headers(c, body.readableBytes()), EmptyHttpHeaders.INSTANCE);
    }

    /** A decoded part of the response; on the event loop. Releases it. */
    void onMessage(HttpObject msg) {
        try {
            if (done) {
                return;
            }
            if (msg.decoderResult().isFailure()) {
                fail(HttpFailure.Kind.PROTOCOL, "the response from " + request.origin() + " is not valid HTTP/1.1: "
                        + describe(msg.decoderResult().cause()), msg.decoderResult().cause());
                return;
            }
            if (msg instanceof HttpResponse response) {
                onHead(response);
            }
            if (!done && msg instanceof HttpContent content) {
                watchdog.received += content.content().readableBytes();
                if (paused || !held.isEmpty()) {
                    held.addLast(content.retain());
                } else {
                    deliver(content);
                }
                drainHeld();
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onHead(HttpResponse response) {
        watchdog.received++;
        held.forEach(ReferenceCountUtil::release);
        held.clear();
        int status = response.status().code();
        if (status >= 100 && status < 200 && status != 101) {
            informational = true;
            return;
        }
        head = true;
        keepAlive = HttpUtil.isKeepAlive(response)
                && !request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
        try {
            reader = handler.onHead(new ResponseHead(request.url(), status, response.headers()));
            reader.flow(this);
        } catch (RuntimeException e) {
            finish(false, null, e);
        }
    }

    /** Hands one body chunk to the reader (counted already); keeps what it left when it paused. On the loop. */
    private void deliver(HttpContent content) {
        ByteBuf chunk = content.content();
        int n = chunk.readableBytes();
        boolean last = content instanceof LastHttpContent;
        if (informational) {
            informational = !last;
            return;
        }
        if (n > 0) {
            boolean more;
            delivering = true;
            pausedInDelivery = false;
            try {
                more = reader.onContent(chunk);
            } catch (RuntimeException e) {
                finish(false, null, e);
                return;
            } finally {
                delivering = false;
            }
            if (done) {
                return;
            }
            if (!more) {
                end(false);
                return;
            }
            if ((paused || pausedInDelivery) && (chunk.isReadable() || last)) {
                // the reader paused (and may have resumed already): what it left, and the end if this was the last
                // chunk, goes first when reading goes on
                held.addFirst(content.retain());
                return;
            }
        }
        if (last) {
            end(keepAlive);
        }
    }

    /** Delivers the chunks kept during a pause, in order, until the reader pauses again. On the loop. */
    private void drainHeld() {
        HttpContent next;
        while (!paused && !done && !delivering && (next = held.pollFirst()) != null) {
            try {
                deliver(next);
            } finally {
                next.release();
            }
        }
    }

    @Override
    public void pause() {
        HttpConnection c = connection;
        if (c == null) {
            return;
        }
        if (c.eventLoop().inEventLoop()) {
            pauseOnLoop(c);
        } else {
            c.eventLoop().execute(() -> pauseOnLoop(c));
        }
    }

    private void pauseOnLoop(HttpConnection c) {
        if (done || paused || connection != c) {
            return;
        }
        paused = true;
        pausedInDelivery = true;
        c.channel().config().setAutoRead(false);
        watchdog.hold(true);
    }

    @Override
    public void resume() {
        HttpConnection c = connection;
        if (c == null) {
            return;
        }
        if (c.eventLoop().inEventLoop()) {
            resumeOnLoop(c);
        } else {
            c.eventLoop().execute(() -> resumeOnLoop(c));
        }
    }

    private void resumeOnLoop(HttpConnection c) {
        if (done || !paused || connection != c) {
            return;
        }
        paused = false;
        watchdog.hold(false);
        drainHeld();
        if (!done && !paused) {
            c.channel().config().setAutoRead(true);
        }
    }

    private void end(boolean reusable) {
        T result;
        try {
            result = reader.end();
        } catch (RuntimeException e) {
            finish(reusable, null, e);
            return;
        }
        finish(reusable, result, null);
    }

    /** The connection closed; on the event loop. */
    void onInactive() {
        if (!done) {
            fail(HttpFailure.Kind.CLOSED, "the connection to " + request.origin() + " was closed before the response "
                    + (head ? "ended" : "arrived"), null);
        }
    }

    /** The pipeline failed; on the event loop. */
    void onError(Throwable cause) {
        if (!done) {
            HttpFailure.Kind kind = cause instanceof SSLException || cause.getCause() instanceof SSLException
                    ? HttpFailure.Kind.TLS : HttpFailure.Kind.CLOSED;
            fail(kind, "the connection to " + request.origin() + " failed: " + describe(cause), cause);
        }
    }

    @Override
    public void expire(HttpFailure.Kind kind, String message) {
        if (!done) {
            fail(kind, request.origin() + " sent " + message + (head ? " of the response body" : " before the "
                    + "response head"), null);
        }
    }

    private void fail(HttpFailure.Kind kind, String message, Throwable cause) {
        HttpConnection c = connection;
        if (kind == HttpFailure.Kind.CLOSED && !head && !resentOnce && c != null && c.reused() && request.idempotent()
                && request.body() == null && watchdog.received == 0 && !cancelled) {
            // a pooled connection the server had already closed: send once more, on another connection
            resentOnce = true;
            watchdog.stop();
            c.detach(this);
            c.close();
            connection = null;
            pool.acquire(this);
            return;
        }
        finish(false, null, new HttpFailure(kind, head, message, cause));
    }

    /** Fails before a connection was assigned (no connection, queue full, client closed); any thread. */
    void failWaiting(HttpFailure failure) {
        releaseBody();
        settle(null, failure);
    }

    private void finish(boolean reusable, T result, Throwable failure) {
        done = true;
        if (watchdog != null) {
            watchdog.stop();
        }
        releaseHeld();
        HttpConnection c = connection;
        if (c != null) {
            c.detach(this);
            if (reusable && requestWritten) {
                c.channel().config().setAutoRead(true);
                c.release();
            } else {
                c.close();
            }
        }
        releaseBody();
        settle(result, failure);
    }

    private void settle(T result, Throwable failure) {
        if (settled.compareAndSet(false, true)) {
            if (failure == null) {
                emitter.complete(result);
            } else {
                emitter.fail(failure);
            }
        }
    }

    /** The subscriber cancelled (or the exchange settled: then nothing happens); any thread. */
    void terminated() {
        if (!settled.compareAndSet(false, true)) {
            return;
        }
        cancelled = true;
        HttpConnection c = connection;
        if (c == null) {
            if (pool.withdraw(this)) {
                releaseBody();
            }
            // else: a connection is being assigned; start() sees the flag and gives it back
            return;
        }
        if (c.eventLoop().inEventLoop()) {
            abandon(c);
        } else {
            c.eventLoop().execute(() -> abandon(c));
        }
    }

    /** Ends a cancelled exchange: closes its connection, so nothing more of its response is read. On the loop. */
    private void abandon(HttpConnection c) {
        if (!done && connection == c) {
            done = true;
            if (watchdog != null) {
                watchdog.stop();
            }
            c.detach(this);
            c.close();
            releaseHeld();
            releaseBody();
        }
    }

    private void releaseHeld() {
        HttpContent next;
        while ((next = held.pollFirst()) != null) {
            next.release();
        }
    }

    private void releaseBody() {
        if (!bodySent && request.body() != null) {
            bodySent = true;
            ReferenceCountUtil.safeRelease(request.body());
        }
    }

    static String describe(Throwable t) {
        if (t == null) {
            return "unknown cause";
        }
        String message = t.getMessage();
        return t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
