package dev.hubmirror.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The public face of a test registry, as ghcr.io's is: one origin (an HTTP server on 127.0.0.1) that serves
 * {@code /token} from a {@link TokenIssuer} and passes everything else, streamed both ways and with its {@code Host}
 * (so the registry's absolute {@code Location}s point back here), to a {@link DistributionRegistry}. Faults are
 * scripted in this real path: a rule matches requests by method and path and, for its next {@code n} matches, answers
 * them itself, cuts the response body after some bytes, flips a byte of it, or lets the registry handle the request
 * and then drops the answer. It records every request it saw.
 */
public final class RegistryFront implements AutoCloseable {

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "transfer-encoding", "upgrade",
            "proxy-connection", "te", "trailer");

    /** A request as it arrived. */
    public record Seen(String method, String path, String query, boolean authorization, String range) {
    }

    /** What to do with a matching request. */
    public sealed interface Action {
    }

    /** Answer it here, without asking the registry (its body is read first). */
    public record Respond(int status, MultiMap headers, Buffer body) implements Action {
    }

    /** Pass it on, but cut the response body (close the connection) after {@code bytes} bytes. */
    public record CutAfter(long bytes) implements Action {
    }

    /** Pass it on, but flip the byte at {@code offset} of the response body. */
    public record Corrupt(long offset) implements Action {
    }

    /** Pass it on, and add {@code headers} to the registry's answer. */
    public record AddHeaders(MultiMap headers) implements Action {
    }

    /** Pass it on, let the registry handle it, then close the connection instead of answering. */
    public record DropAnswer() implements Action {
    }

    private record Rule(String method, Pattern path, AtomicInteger skip, AtomicInteger left, Action action) {
    }

    private final Vertx vertx;
    private final HttpServer server;
    private final HttpClient upstream;
    private final int port;
    private volatile int upstreamPort;
    private volatile TokenIssuer issuer;
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();

    private RegistryFront(Vertx vertx, int port) {
        this.vertx = vertx;
        this.port = port;
        this.upstream = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setKeepAlive(true)
                .setMaxPoolSize(32));
        this.server = vertx.createHttpServer().requestHandler(this::handle);
        server.listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS)
                .join();
    }

    /** A front listening on {@code port} (chosen before the registry starts: its token realm names it). */
    public static RegistryFront on(Vertx vertx, int port) {
        return new RegistryFront(vertx, port);
    }

    /** Passes requests to {@code registry} from now on. */
    public RegistryFront to(DistributionRegistry registry) {
        this.upstreamPort = registry.port();
        return this;
    }

    /** Serves {@code /token} with {@code tokens}. */
    public RegistryFront tokens(TokenIssuer tokens) {
        this.issuer = tokens;
        return this;
    }

    /** {@code 127.0.0.1:<port>}, as image references name it. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The token realm: {@code http://127.0.0.1:<port>/token}. */
    public String realm() {
        return "http://127.0.0.1:" + port + "/token";
    }

    /** For the next {@code times} requests with {@code method} whose path matches {@code pathRegex}: {@code action}. */
    public void on(String method, String pathRegex, int times, Action action) {
        onAfter(method, pathRegex, 0, times, action);
    }

    /** Like {@link #on}, but the first {@code skip} matching requests pass untouched. */
    public void onAfter(String method, String pathRegex, int skip, int times, Action action) {
        rules.add(new Rule(method, Pattern.compile(pathRegex), new AtomicInteger(skip), new AtomicInteger(times),
                action));
    }

    /** Forgets every rule and every request seen. */
    public void reset() {
        rules.clear();
        seen.clear();
    }

    /** The requests seen so far. */
    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    /** The requests seen so far that {@code filter} selects. */
    public List<Seen> seen(Predicate<Seen> filter) {
        return seen.stream().filter(filter).toList();
    }

    private Action match(HttpServerRequest request) {
        for (Rule rule : rules) {
            if (rule.method().equals(request.method().name()) && rule.path().matcher(request.path()).matches()) {
                if (rule.skip().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    continue;
                }
                if (rule.left().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    return rule.action();
                }
            }
        }
        return null;
    }

    private void handle(HttpServerRequest request) {
        seen.add(new Seen(request.method().name(), request.path(), request.query(),
                request.getHeader("Authorization") != null, request.getHeader("Range")));
        if (request.path().equals("/token") && issuer != null) {
            issuer.handle(request);
            return;
        }
        Action action = match(request);
        if (action instanceof Respond r) {
            request.body().onComplete(ignored -> {
                HttpServerResponse response = request.response().setStatusCode(r.status());
                if (r.headers() != null) {
                    response.headers().addAll(r.headers());
                }
                response.end(r.body() == null ? Buffer.buffer() : r.body());
            });
            return;
        }
        request.pause();
        RequestOptions options = new RequestOptions().setMethod(request.method()).setHost("127.0.0.1")
                .setPort(upstreamPort).setURI(request.uri());
        upstream.request(options).onSuccess(out -> {
            request.headers().forEach(h -> {
                if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))
                        && !h.getKey().equalsIgnoreCase("Host")) {
                    out.headers().add(h.getKey(), h.getValue());
                }
            });
            String host = request.getHeader("Host");
            if (host != null) {
                out.authority(HostAndPort.parseAuthority(host, 80));
            }
            if (request.getHeader("Content-Length") == null && request.getHeader("Transfer-Encoding") != null) {
                out.setChunked(true);
            }
            out.send(request).onSuccess(in -> answer(request, in, action))
                    .onFailure(e -> request.response().setStatusCode(502).end());
        }).onFailure(e -> request.response().setStatusCode(502).end());
    }

    private void answer(HttpServerRequest request, HttpClientResponse in, Action action) {
        if (action instanceof DropAnswer) {
            in.body().onComplete(ignored -> request.connection().close());
            return;
        }
        HttpServerResponse out = request.response().setStatusCode(in.statusCode());
        in.headers().forEach(h -> {
            if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))) {
                out.headers().add(h.getKey(), h.getValue());
            }
        });
        if (action instanceof AddHeaders add) {
            out.headers().addAll(add.headers());
        }
        if (in.getHeader("Content-Length") == null) {
            out.setChunked(true);
        }
        long[] sent = {0};
        in.handler(chunk -> {
            Buffer b = chunk;
            long start = sent[0];
            sent[0] += b.length();
            if (action instanceof Corrupt c && c.offset() >= start && c.offset() < sent[0]) {
                b = b.copy();
                int at = (int) (c.offset() - start);
                b.setByte(at, (byte) (b.getByte(at) ^ 0x5a));
            }
            if (action instanceof CutAfter cut && sent[0] > cut.bytes()) {
                int keep = (int) Math.max(0, cut.bytes() - start);
                in.pause();
                out.write(b.slice(0, keep)).onComplete(v -> {
                    request.connection().close();
                    in.request().connection().close();
                });
                return;
            }
            out.write(b);
            if (out.writeQueueFull()) {
                in.pause();
                out.drainHandler(v -> in.resume());
            }
        });
        in.endHandler(v -> {
            if (!(action instanceof CutAfter cut && sent[0] > cut.bytes())) {
                out.end();
            }
        });
    }

    /** Requests seen for paths matching {@code regex}. */
    public List<Seen> seen(String method, String regex) {
        Pattern p = Pattern.compile(regex);
        List<Seen> all = new ArrayList<>();
        for (Seen s : seen) {
            if (s.method().equals(method) && p.matcher(s.path()).matches()) {
                all.add(s);
            }
        }
        return all;
    }

    @Override
    public void close() {
        server.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
        upstream.close();
    }
}
