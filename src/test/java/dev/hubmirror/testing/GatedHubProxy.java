package dev.hubmirror.testing;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP proxy in front of the Hub simulator that can hold requests: while a gate is closed, every request whose path
 * contains the gate's text waits (without an answer) until the gate is released. A job whose file request is held is
 * deterministically in the middle of its work, however fast the machine. Everything else is forwarded as is
 * (redirects to the CDN go to the CDN directly).
 */
public final class GatedHubProxy implements AutoCloseable {

    private final Vertx vertx;
    private final HttpClient client;
    private final URI target;
    private final int port;
    private final Object lock = new Object();
    private final List<Runnable> held = new ArrayList<>();
    private final AtomicInteger heldTotal = new AtomicInteger();
    private String gate;

    private GatedHubProxy(Vertx vertx, URI target) {
        this.vertx = vertx;
        this.target = target;
        this.client = vertx.createHttpClient();
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
                .requestHandler(this::handle);
        try {
            this.port = server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS)
                    .actualPort();
        } catch (Exception e) {
            throw new IllegalStateException("the gated proxy could not listen", e);
        }
    }

    /** A proxy to {@code hubUrl} ({@code http://host:port}) on an ephemeral loopback port. */
    public static GatedHubProxy start(String hubUrl) {
        return new GatedHubProxy(Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1)), URI.create(hubUrl));
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /**
     * Holds every later request whose path contains {@code pathPart}, until {@link #release()}; restarts the count of
     * {@link #heldSoFar()}.
     */
    public void hold(String pathPart) {
        synchronized (lock) {
            gate = pathPart;
            heldTotal.set(0);
        }
    }

    /** Opens the gate: held requests go on, later ones pass. */
    public void release() {
        List<Runnable> release;
        synchronized (lock) {
            gate = null;
            release = List.copyOf(held);
            held.clear();
        }
        release.forEach(Runnable::run);
    }

    /** How many requests the gate held so far. */
    public int heldSoFar() {
        return heldTotal.get();
    }

    private void handle(HttpServerRequest request) {
        request.pause();
        Runnable forward = () -> forward(request);
        synchronized (lock) {
            if (gate != null && request.path().contains(gate)) {
                held.add(() -> vertx.runOnContext(v -> forward.run()));
                heldTotal.incrementAndGet();
                return;
            }
        }
        forward.run();
    }

    private void forward(HttpServerRequest request) {
        RequestOptions options = new RequestOptions().setMethod(request.method()).setHost(target.getHost())
                .setPort(target.getPort()).setURI(request.uri()).setFollowRedirects(false);
        request.headers().forEach(h -> {
            if (!h.getKey().equalsIgnoreCase("host")) {
                options.addHeader(h.getKey(), h.getValue());
            }
        });
        client.request(options)
                .compose(out -> out.send(request))
                .onSuccess(in -> {
                    request.response().setStatusCode(in.statusCode());
                    in.headers().forEach(h -> request.response().headers().add(h.getKey(), h.getValue()));
                    in.pipeTo(request.response());
                })
                .onFailure(e -> {
                    if (!request.response().ended()) {
                        request.response().setStatusCode(502).end();
                    }
                });
    }

    @Override
    public void close() {
        release();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }
}
