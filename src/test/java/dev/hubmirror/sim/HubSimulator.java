package dev.hubmirror.sim;

import dev.hubmirror.hub.HfRepoId;
import dev.hubmirror.hub.RepoType;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PfxOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * A faithful HuggingFace Hub on loopback, for tests, demos and load tests: the Hub API (revision, tree with
 * pagination, resolve with 302-to-CDN for LFS files and relative 307 to {@code resolve-cache} for regular files,
 * the Hub's error codes, tokens, gated and private repos) on one port, and a CDN with signed, expiring URLs on
 * another. File content is generated deterministically from a seed, so files of any size cost no memory.
 * Scriptable {@link Faults} cut connections, answer 5xx/429, corrupt bytes, lie about sizes and expire URLs.
 *
 * <p>Built on its own Vert.x instance (two event loops); requests are answered without blocking, digests are
 * computed on a worker the first time a response needs them. See docs/hub-simulator.md.
 */
public final class HubSimulator implements AutoCloseable {

    private static final Logger LOGGER = Logger.getLogger(HubSimulator.class);
    private static final long START_TIMEOUT_SECONDS = 30;

    /** The request log keeps the latest requests only, so that long load tests do not fill the heap. */
    static final int REQUEST_LOG_LIMIT = 100_000;

    /** Guards repos, commits and tokens; held only briefly, never across I/O. */
    final Object lock = new Object();
    final SignedUrls signedUrls = new SignedUrls();

    private final Map<String, SimRepo> repos = new LinkedHashMap<>();
    private final Map<String, String> tokens = new HashMap<>();
    private final Faults faults = new Faults();
    private final ArrayDeque<Exchange.Entry> requestLog = new ArrayDeque<>();
    private final Vertx vertx;
    private final SimNetwork network;
    private volatile int treePageSize = 1000;
    private volatile Duration signedUrlTtl = Duration.ofHours(1);
    private volatile String hubUrl;
    private volatile String cdnUrl;
    private volatile boolean closed;

    private HubSimulator(Vertx vertx) {
        this.vertx = vertx;
        this.network = new SimNetwork(SimTimers.of(vertx));
    }

    /** Starts the Hub and the CDN on 127.0.0.1, each on an ephemeral port. */
    public static HubSimulator start() {
        return start(0, 0);
    }

    /** Starts the Hub and the CDN on 127.0.0.1 on the given ports (0: ephemeral). Blocks until both listen. */
    public static HubSimulator start(int hubPort, int cdnPort) {
        return start(hubPort, cdnPort, null, null);
    }

    /**
     * Answers 400 to an HTTP/1.1 request without a {@code Host} header, as the Hub, its CDN and every HTTP/1.1 server
     * must (RFC 9112, 3.2); a client that forgets the header fails here as it would against huggingface.co.
     */
    private static io.vertx.core.Handler<io.vertx.core.http.HttpServerRequest> requireHost(
            io.vertx.core.Handler<io.vertx.core.http.HttpServerRequest> listener) {
        return request -> {
            String host = request.headers().get("Host");
            if (request.version() == io.vertx.core.http.HttpVersion.HTTP_1_1 && (host == null || host.isBlank())) {
                request.response().setStatusCode(400).putHeader("Content-Type", "text/plain")
                        .end("400 Bad Request: no Host header");
                return;
            }
            listener.handle(request);
        };
    }

    /**
     * Starts the Hub and the CDN on 127.0.0.1, each on an ephemeral port, serving https with the key and certificate
     * of a PKCS#12 keystore (see {@code dev.hubmirror.testing.TestCertificates}); their URLs name {@code localhost},
     * the name the certificate is issued to.
     */
    public static HubSimulator startTls(Path pkcs12, String password) {
        return start(0, 0, pkcs12, password);
    }

    private static HubSimulator start(int hubPort, int cdnPort, Path pkcs12, String password) {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(2)
                .setMaxWorkerExecuteTime(1).setMaxWorkerExecuteTimeUnit(TimeUnit.HOURS));
        HubSimulator sim = new HubSimulator(vertx);
        try {
            HttpServerOptions options = new HttpServerOptions().setHost("127.0.0.1").setCompressionSupported(false)
                    .setTcpNoDelay(true).setHttp2ClearTextEnabled(false);
            String base = "http://127.0.0.1:";
            if (pkcs12 != null) {
                options.setSsl(true).setKeyCertOptions(new PfxOptions().setPath(pkcs12.toString())
                        .setPassword(password));
                base = "https://localhost:";
            }
            HttpServer cdn = await(vertx.createHttpServer(new HttpServerOptions(options).setPort(cdnPort))
                    .requestHandler(requireHost(new CdnListener(sim))).listen(), "CDN", cdnPort);
            sim.cdnUrl = base + cdn.actualPort();
            HttpServer hub = await(vertx.createHttpServer(new HttpServerOptions(options).setPort(hubPort))
                    .requestHandler(requireHost(new HubListener(sim))).listen(), "Hub", hubPort);
            sim.hubUrl = base + hub.actualPort();
        } catch (RuntimeException e) {
            sim.close();
            throw e;
        }
        LOGGER.infof("hub simulator started hub=%s cdn=%s", sim.hubUrl, sim.cdnUrl);
        return sim;
    }

    private static HttpServer await(Future<HttpServer> listening, String what, int port) {
        try {
            return listening.toCompletionStage().toCompletableFuture().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the simulated " + what, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the simulated " + what + " could not listen on 127.0.0.1:" + port
                    + " (is the port taken? use 0 for an ephemeral port)", e);
        }
    }

    /** {@code http://127.0.0.1:<port>} of the Hub, no trailing slash. */
    public String hubUrl() {
        return hubUrl;
    }

    /** {@code http://127.0.0.1:<port>} of the CDN: another port than the Hub's, like another host. */
    public String cdnUrl() {
        return cdnUrl;
    }

    /** The repo of that type and id, created empty (public, not gated, no commits) on first call. */
    public SimRepo repo(RepoType type, String id) {
        HfRepoId.parse(id);
        synchronized (lock) {
            return repos.computeIfAbsent(key(type, id), k -> new SimRepo(lock, type, id));
        }
    }

    /** {@code repo(MODEL, id)}. */
    public SimRepo model(String id) {
        return repo(RepoType.MODEL, id);
    }

    /** {@code repo(DATASET, id)}. */
    public SimRepo dataset(String id) {
        return repo(RepoType.DATASET, id);
    }

    /** {@code repo(SPACE, id)}. */
    public SimRepo space(String id) {
        return repo(RepoType.SPACE, id);
    }

    /** Makes {@code token} valid (sent as {@code Authorization: Bearer <token>}) for user {@code user}. */
    public void addToken(String token, String user) {
        synchronized (lock) {
            tokens.put(token, user);
        }
    }

    /** The scriptable faults of this simulator. */
    public Faults faults() {
        return faults;
    }

    /**
     * Every request received on either listener so far, in the order received (control requests excluded; only the
     * latest {@value #REQUEST_LOG_LIMIT} are kept).
     */
    public List<SimRequest> requests() {
        synchronized (requestLog) {
            return requestLog.stream().map(Exchange.Entry::snapshot).toList();
        }
    }

    /** Forgets the requests received so far. */
    public void clearRequests() {
        synchronized (requestLog) {
            requestLog.clear();
        }
    }

    /** Entries per {@code api/tree} page (default 1000). */
    public void treePageSize(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("tree page size must be >= 1, was " + n);
        }
        treePageSize = n;
    }

    /** How long signed CDN URLs stay valid after they were issued (default 1 hour; negative: already expired). */
    public void signedUrlTtl(Duration ttl) {
        signedUrlTtl = ttl;
    }

    /**
     * Makes the simulator behave like a Hub behind a WAN link: {@code bytesPerSecond} caps the body bytes of all
     * responses of both listeners (Hub and CDN) together, paced by one shared token bucket, so parallel downloads
     * share the rate; every request (redirects included) is answered only after {@code latency}, from a timer that
     * does not block the event loop. {@code 0} and {@link Duration#ZERO} turn them off (the default). Applies to
     * responses from the next body chunk on; a new cap starts with an idle link.
     */
    public HubSimulator network(long bytesPerSecond, Duration latency) {
        network.set(bytesPerSecond, latency);
        return this;
    }

    /** Adds the repos, tokens and settings of a spec file (format in docs/hub-simulator.md). */
    public HubSimulator load(Path specJson) throws IOException {
        SimSpec.load(this, specJson);
        return this;
    }

    /** Stops both listeners and the Vert.x instance. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOGGER.warnf("hub simulator did not stop cleanly error=%s", e.toString());
        }
    }

    // ---- for the listeners

    Exchange begin(String listener, HttpServerRequest request) {
        Exchange.Entry entry = new Exchange.Entry(listener, request);
        synchronized (requestLog) {
            requestLog.addLast(entry);
            if (requestLog.size() > REQUEST_LOG_LIMIT) {
                requestLog.removeFirst();
            }
        }
        return new Exchange(request, entry, network);
    }

    SimNetwork network() {
        return network;
    }

    SimRepo findRepo(RepoType type, String id) {
        synchronized (lock) {
            return repos.get(key(type, id));
        }
    }

    List<SimRepo> repos() {
        synchronized (lock) {
            return List.copyOf(repos.values());
        }
    }

    String userOf(String token) {
        synchronized (lock) {
            return tokens.get(token);
        }
    }

    int treePageSizeValue() {
        return treePageSize;
    }

    Duration signedUrlTtlValue() {
        return signedUrlTtl;
    }

    /**
     * Runs {@code then} on the event loop once the digests of {@code files} are known: right away when they are,
     * else after computing them on a worker (answering 500 if that fails).
     */
    void withDigests(Exchange ex, Collection<SimFile> files, Runnable then) {
        List<SimFile> missing = files.stream().filter(f -> !f.digestsKnown()).toList();
        if (missing.isEmpty()) {
            then.run();
            return;
        }
        vertx.<Void>executeBlocking(() -> {
            missing.forEach(SimFile::computeDigests);
            return null;
        }, false).onComplete(ar -> {
            if (ar.succeeded()) {
                then.run();
            } else {
                LOGGER.errorf(ar.cause(), "hub simulator could not hash path=%s", missing.get(0).path());
                ex.hubError(500, null, "Internal Error - simulator could not hash " + missing.get(0).path());
            }
        });
    }

    private static String key(RepoType type, String id) {
        return type.plural() + "/" + id;
    }
}
