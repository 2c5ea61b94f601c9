package dev.hubmirror.testing;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reverse proxy on a free loopback port in front of an S3 server (usually {@link S3ProxyServer}) that can be
 * scripted to fail the next part requests (UploadPart and UploadPartCopy: {@code PUT ?partNumber=...}) or
 * CompleteMultipartUpload requests ({@code POST ?uploadId=...}): answer 503 SlowDown, 500 InternalError or 404
 * NoSuchUpload with S3's XML error body, drop the connection before forwarding, or forward and then drop the connection
 * instead of answering, or answer 200 with an XML body cut off midway (before or after forwarding). Every other request, and scripted ones once the script is used up, pass through unchanged (the
 * {@code Host} header is kept, so AWS signatures stay valid). Part requests can also be held ({@link #holdParts}), so
 * that a test can catch an upload with some parts stored and others in flight, e.g. to kill the uploader there.
 *
 * <pre>{@code
 * try (FaultyS3Proxy proxy = FaultyS3Proxy.start(s3.endpoint())) {
 *     proxy.failNextParts(1, FaultyS3Proxy.Fault.SLOW_DOWN);
 *     // point a client at proxy.endpoint()
 * }
 * }</pre>
 */
public final class FaultyS3Proxy implements AutoCloseable {

    /** The kinds of request that can be scripted to fail. */
    public enum Target {
        /** UploadPart and UploadPartCopy: {@code PUT} with a {@code partNumber} parameter. */
        PART,
        /** CompleteMultipartUpload: {@code POST} with an {@code uploadId} parameter. */
        COMPLETE
    }

    /** What a scripted request gets instead of the server's answer. */
    public enum Fault {
        /** HTTP 503 with S3 error code {@code SlowDown}; not forwarded. */
        SLOW_DOWN(503, "SlowDown", "Please reduce your request rate."),
        /** HTTP 500 with S3 error code {@code InternalError}; not forwarded. */
        INTERNAL_ERROR(500, "InternalError", "We encountered an internal error. Please try again."),
        /** HTTP 404 with S3 error code {@code NoSuchUpload}; not forwarded. */
        NO_SUCH_UPLOAD(404, "NoSuchUpload", "The specified upload does not exist."),
        /** The connection is closed without forwarding the request. */
        DROP_CONNECTION(0, "", ""),
        /** The request is forwarded, then the connection is closed instead of relaying the server's answer. */
        DROP_RESPONSE(0, "", ""),
        /** HTTP 200 with an XML body cut off in the middle, which no client can parse; not forwarded. */
        GARBLED_ANSWER(200, "", ""),
        /** The request is forwarded, then the server's answer is replaced by {@link #GARBLED_ANSWER}'s. */
        GARBLED_RESPONSE(200, "", "");

        private final int status;
        private final String code;
        private final String message;

        Fault(int status, String code, String message) {
            this.status = status;
            this.code = code;
            this.message = message;
        }
    }

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
            "transfer-encoding", "te", "trailer", "upgrade", "expect", "host");

    private final Vertx vertx;
    private final HttpServer server;
    private final HttpClient client;
    private final SocketAddress target;
    private final Map<Target, Deque<Fault>> scripts = new EnumMap<>(Target.class);
    private final Map<Target, Fault> always = new EnumMap<>(Target.class);
    private final Map<Target, Integer> counts = new EnumMap<>(Target.class);
    private final List<HttpServerRequest> held = new ArrayList<>();
    private int holdFromPart;
    private final AtomicInteger forwarding = new AtomicInteger();

    private FaultyS3Proxy(Vertx vertx, HttpServer server, HttpClient client, SocketAddress target) {
        this.vertx = vertx;
        this.server = server;
        this.client = client;
        this.target = target;
    }

    /** Starts a proxy to {@code target} (e.g. {@code http://127.0.0.1:41234}); blocks until it listens. */
    public static FaultyS3Proxy start(URI target) {
        Vertx vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer(new HttpServerOptions()
                .setHost("127.0.0.1").setPort(0).setHandle100ContinueAutomatically(true));
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setMaxPoolSize(32));
        FaultyS3Proxy proxy = new FaultyS3Proxy(vertx, server, client,
                SocketAddress.inetSocketAddress(target.getPort(), target.getHost()));
        server.requestHandler(proxy::handle);
        try {
            server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            vertx.close();
            throw new IllegalStateException("interrupted while starting the fault proxy", e);
        } catch (ExecutionException | TimeoutException e) {
            vertx.close();
            throw new IllegalStateException("fault proxy did not start", e);
        }
        return proxy;
    }

    /** The proxy's URL, to use as the S3 endpoint. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.actualPort());
    }

    /**
     * The next {@code count} part requests get {@code fault}, after faults scripted before; {@link Integer#MAX_VALUE}
     * means all of them from then on.
     */
    public void failNextParts(int count, Fault fault) {
        failNext(Target.PART, count, fault);
    }

    /**
     * The next {@code count} requests of a kind get {@code fault}, after faults scripted before;
     * {@link Integer#MAX_VALUE} means all of them from then on.
     */
    public synchronized void failNext(Target target, int count, Fault fault) {
        if (count == Integer.MAX_VALUE) {
            always.put(target, fault);
            return;
        }
        Deque<Fault> script = scripts.computeIfAbsent(target, t -> new ArrayDeque<>());
        for (int i = 0; i < count; i++) {
            script.addLast(fault);
        }
    }

    /**
     * Holds every later UploadPart request with a part number of at least {@code fromPart} (of any upload) without an
     * answer, until {@link #releaseHeld()} or {@link #reset()}.
     */
    public synchronized void holdParts(int fromPart) {
        if (fromPart < 1) {
            throw new IllegalArgumentException("fromPart must be >= 1, was " + fromPart);
        }
        holdFromPart = fromPart;
    }

    /** How many forwarded requests have not been answered to their client yet (held ones are not counted). */
    public int forwarding() {
        return forwarding.get();
    }

    /** How many part requests are held right now. */
    public synchronized int heldParts() {
        return held.size();
    }

    /** Stops holding parts; the held requests are forwarded. */
    public void releaseHeld() {
        List<HttpServerRequest> release;
        synchronized (this) {
            holdFromPart = 0;
            release = List.copyOf(held);
            held.clear();
        }
        release.forEach(r -> vertx.runOnContext(v -> forward(r, null)));
    }

    /**
     * Lets every request pass again and sets the request counts to zero; held part requests are dropped (their
     * connections closed), never forwarded.
     */
    public void reset() {
        List<HttpServerRequest> drop;
        synchronized (this) {
            scripts.clear();
            always.clear();
            counts.clear();
            holdFromPart = 0;
            drop = List.copyOf(held);
            held.clear();
        }
        drop.forEach(r -> vertx.runOnContext(v -> r.connection().close()));
    }

    private synchronized boolean hold(HttpServerRequest request) {
        if (holdFromPart < 1 || request.method() != HttpMethod.PUT || request.getParam("partNumber") == null
                || request.getParam("uploadId") == null) {
            return false;
        }
        int number;
        try {
            number = Integer.parseInt(request.getParam("partNumber"));
        } catch (NumberFormatException e) {
            return false;
        }
        if (number < holdFromPart) {
            return false;
        }
        request.pause();
        held.add(request);
        return true;
    }

    /** How many part requests (UploadPart, UploadPartCopy) arrived, failed ones included. */
    public int partRequests() {
        return requests(Target.PART);
    }

    /** How many requests of a kind arrived, failed ones included. */
    public synchronized int requests(Target target) {
        return counts.getOrDefault(target, 0);
    }

    private synchronized Fault nextFault(Target target) {
        counts.merge(target, 1, Integer::sum);
        Deque<Fault> script = scripts.get(target);
        if (script != null && !script.isEmpty()) {
            return script.removeFirst();
        }
        return always.get(target);
    }

    private static Target target(HttpServerRequest request) {
        if (request.method() == HttpMethod.PUT && request.getParam("partNumber") != null) {
            return Target.PART;
        }
        if (request.method() == HttpMethod.POST && request.getParam("uploadId") != null) {
            return Target.COMPLETE;
        }
        return null;
    }

    private void handle(HttpServerRequest request) {
        if (hold(request)) {
            return;
        }
        Target target = target(request);
        Fault f = target == null ? null : nextFault(target);
        if (f == null) {
            forward(request, null);
        } else if (f == Fault.DROP_CONNECTION) {
            request.connection().close();
        } else if (f == Fault.DROP_RESPONSE || f == Fault.GARBLED_RESPONSE) {
            forward(request, f);
        } else if (f == Fault.GARBLED_ANSWER) {
            request.body().onComplete(ignored -> garble(request));
        } else {
            request.body().onComplete(ignored -> request.response()
                    .setStatusCode(f.status)
                    .putHeader("Content-Type", "application/xml")
                    .end("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + f.code + "</Code><Message>"
                            + f.message + "</Message><RequestId>faulty-s3-proxy</RequestId></Error>"));
        }
    }

    /** Answers 200 with the start of a CompleteMultipartUpload result, cut off inside an element. */
    private static void garble(HttpServerRequest request) {
        request.response().setStatusCode(200).putHeader("Content-Type", "application/xml")
                .end("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult"
                        + " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Location>http://");
    }

    /** Forwards a request and relays the answer, or drops or garbles it after the server has answered. */
    private void forward(HttpServerRequest request, Fault afterAnswer) {
        request.pause();
        forwarding.incrementAndGet();
        AtomicBoolean settled = new AtomicBoolean();
        Handler<Void> settle = v -> {
            if (settled.compareAndSet(false, true)) {
                forwarding.decrementAndGet();
            }
        };
        request.response().endHandler(settle);
        request.response().closeHandler(settle);
        RequestOptions options = new RequestOptions()
                .setServer(target)
                .setMethod(request.method())
                .setURI(request.uri());
        client.request(options).onComplete(opened -> {
            if (opened.failed()) {
                request.response().setStatusCode(502).end();
                return;
            }
            var outbound = opened.result();
            // a client that dies mid-request (a killed service) leaves the server a cut request at once, as a direct
            // connection would, not one that waits for the rest of its body until the server's idle timeout
            request.connection().closeHandler(closed -> outbound.reset());
            outbound.authority(request.authority());
            request.headers().forEach(h -> {
                if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                    outbound.headers().add(h.getKey(), h.getValue());
                }
            });
            outbound.send(request).onComplete(answered -> {
                if (answered.failed()) {
                    request.response().setStatusCode(502).end();
                    return;
                }
                var inbound = answered.result();
                if (afterAnswer == Fault.DROP_RESPONSE) {
                    inbound.body().onComplete(ignored -> request.connection().close());
                    return;
                }
                if (afterAnswer == Fault.GARBLED_RESPONSE) {
                    inbound.body().onComplete(ignored -> garble(request));
                    return;
                }
                HttpServerResponse response = request.response().setStatusCode(inbound.statusCode());
                inbound.headers().forEach(h -> {
                    if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                        response.headers().add(h.getKey(), h.getValue());
                    }
                });
                if (inbound.headers().contains("Transfer-Encoding")) {
                    response.setChunked(true);
                }
                inbound.pipeTo(response);
            });
        });
    }

    /** Stops the proxy; blocks until it is closed. */
    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // nothing more to do: the event loop threads are daemon threads
        }
    }
}
