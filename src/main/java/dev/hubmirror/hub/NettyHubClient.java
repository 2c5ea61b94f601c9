package dev.hubmirror.hub;

import dev.hubmirror.config.HubConfig;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.failure.RetrySettings;
import dev.hubmirror.http.HttpSettings;
import dev.hubmirror.http.NettyHttpClient;
import dev.hubmirror.http.ProxySettings;
import dev.hubmirror.memory.PooledBuffer;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@link HubClient} on the project's own streaming HTTP client ({@link NettyHttpClient}, on the Vert.x event loops):
 * the thin part that holds what is shared and what belongs to one token. The work is split by concern:
 * {@link HubExchange} (one GET with the Hub's redirect, token and SSRF rules), {@link HubRetries} (the one retry
 * settings type), {@link TreePages} (the paginated listing), {@link RangeFetch} (a Range download into a
 * {@link PooledBuffer}, resumed, with the resolved-URL cache {@link ResolvedUrls}).
 *
 * <p>Create one per {@link Vertx} and {@link #close()} it on shutdown; {@link #withToken} views share its connection
 * pools and URL cache.
 */
public final class NettyHubClient implements HubClient, AutoCloseable {

    private static final Pattern SHA1 = Pattern.compile("[0-9a-f]{40}");
    private static final String USER_AGENT = "hub-mirror/0.1";

    private final NettyHttpClient http;
    private final HubEndpoint endpoint;
    private final RedirectAllowlist allowlist;
    private final HubRetries retries;
    private final HubObserver observer;
    private final ResolvedUrls resolvedUrls;
    private final int maxRedirects;
    private final boolean allowPrivateRedirects;
    private final int pageSize;
    private final int maxFiles;
    private final long minBytesPerSecond;
    /** Whether this client owns {@link #http} (views made by {@link #withToken} share their origin's). */
    private final boolean ownsConnections;
    private final String tokenKey;
    private final HubExchange exchange;
    private final TreePages tree;

    /** A client on a Vert.x instance (in Quarkus, the managed one), direct (no proxy), reporting nothing. */
    public NettyHubClient(Vertx vertx, HubConfig config) {
        this(vertx, config, HubObserver.NONE);
    }

    /** A direct client (no proxy) that reports its responses and retries to {@code observer} (metrics). */
    public NettyHubClient(Vertx vertx, HubConfig config, HubObserver observer) {
        this(vertx, config, ProxySettings.NONE, observer);
    }

    /**
     * A client that reaches the Hub and its CDN through {@code proxy} (unless bypassed) and reports its responses and
     * retries to {@code observer} (metrics).
     *
     * @throws IllegalArgumentException when a setting is invalid, naming its key
     */
    public NettyHubClient(Vertx vertx, HubConfig config, ProxySettings proxy, HubObserver observer) {
        this.observer = observer;
        this.endpoint = new HubEndpoint(config.endpoint());
        this.allowlist = new RedirectAllowlist(config.redirectAllowlist());
        this.retries = new HubRetries(vertx, retrySettings(config), observer);
        this.maxRedirects = Math.max(0, config.maxRedirects());
        this.allowPrivateRedirects = config.allowPrivateRedirects();
        this.pageSize = Math.max(1, config.treePageSize());
        this.maxFiles = Math.max(1, config.maxFiles());
        this.minBytesPerSecond = config.minRate().asLongValue();
        try {
            this.http = new NettyHttpClient(vertx, httpSettings(config, proxy));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("mirror.hub.trust-certificates: " + e.getMessage(), e);
        }
        this.ownsConnections = true;
        this.resolvedUrls = new ResolvedUrls(config.resolvedUrlCacheSize(), config.resolvedUrlMaxAge().toNanos(),
                System::nanoTime);
        Optional<String> token = config.token().map(String::trim).filter(t -> !t.isEmpty());
        this.tokenKey = fingerprint(token);
        this.exchange = exchange(token);
        this.tree = new TreePages(exchange, retries, pageSize, maxFiles);
    }

    /** A view of {@code origin} that sends {@code token} instead of origin's token. */
    private NettyHubClient(NettyHubClient origin, Optional<String> token) {
        this.http = origin.http;
        this.endpoint = origin.endpoint;
        this.allowlist = origin.allowlist;
        this.retries = origin.retries;
        this.observer = origin.observer;
        this.resolvedUrls = origin.resolvedUrls;
        this.maxRedirects = origin.maxRedirects;
        this.allowPrivateRedirects = origin.allowPrivateRedirects;
        this.pageSize = origin.pageSize;
        this.maxFiles = origin.maxFiles;
        this.minBytesPerSecond = origin.minBytesPerSecond;
        this.ownsConnections = false;
        this.tokenKey = fingerprint(token);
        this.exchange = exchange(token);
        this.tree = new TreePages(exchange, retries, pageSize, maxFiles);
    }

    private HubExchange exchange(Optional<String> token) {
        return new HubExchange(http, endpoint, allowlist, maxRedirects, allowPrivateRedirects, token,
                new HubFailures(endpoint, token), observer);
    }

    /** The retry settings of {@code mirror.hub.*}. */
    static RetrySettings retrySettings(HubConfig config) {
        try {
            return new RetrySettings(config.maxAttempts(), config.initialBackoff(), config.maxBackoff(),
                    config.retryJitter());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("mirror.hub.max-attempts, initial-backoff, max-backoff or retry-jitter: "
                    + e.getMessage(), e);
        }
    }

    /** The connection settings of {@code mirror.hub.*}. */
    static HttpSettings httpSettings(HubConfig config, ProxySettings proxy) {
        try {
            return new HttpSettings(config.maxConnectionsPerHost(), config.maxWaitingRequestsPerHost(),
                    config.connectTimeout(), config.idleTimeout(), config.minRate().asLongValue(),
                    config.minRateWindow(), config.connectionIdleTimeout(), USER_AGENT,
                    config.trustCertificates().orElse(List.of()).stream().map(String::trim).filter(s -> !s.isEmpty())
                            .map(Path::of).toList(), proxy);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("mirror.hub connection settings: " + e.getMessage(), e);
        }
    }

    /** A short sha256 of the token (never the token itself) to tell cache entries of different tokens apart. */
    private static String fingerprint(Optional<String> token) {
        if (token.isEmpty()) {
            return "-";
        }
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(token.get().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    /** Closes the pooled connections (those of every {@link #withToken} view too); does not wait for them. */
    @Override
    public void close() {
        if (ownsConnections) {
            http.close();
        }
    }

    /** A view on the same connection pools, settings and URL cache that sends {@code token}; closing it does nothing. */
    @Override
    public HubClient withToken(String token) {
        return new NettyHubClient(this, Optional.ofNullable(token).map(String::trim).filter(t -> !t.isEmpty()));
    }

    @Override
    public Uni<String> resolveCommit(RepoRef ref) {
        HubCall call = HubCall.revision(ref);
        HubFailures failures = exchange.failures();
        return retries.run(call, failures, () -> exchange.json(call, endpoint.revisionUrl(ref))).map(body -> {
            JsonObject json;
            try {
                json = new JsonObject(Buffer.buffer(body.body()));
            } catch (DecodeException | ClassCastException e) {
                throw failures.protocol(call, "the Hub's answer is not a JSON object");
            }
            Object sha = json.getValue("sha");
            if (!(sha instanceof String s) || !SHA1.matcher(s).matches()) {
                throw failures.protocol(call, "the Hub's revision answer has no 40-hex 'sha' field");
            }
            return s;
        });
    }

    /** {@code GET /api/whoami-v2} with this client's token: one request, not retried. */
    @Override
    public Uni<HubIdentity> whoami() {
        HubCall call = HubCall.whoami();
        HubFailures failures = exchange.failures();
        return exchange.json(call, endpoint.whoamiUrl()).map(body -> {
            JsonObject json;
            try {
                json = new JsonObject(Buffer.buffer(body.body()));
            } catch (DecodeException | ClassCastException e) {
                throw failures.protocol(call, "the Hub's whoami answer is not a JSON object");
            }
            try {
                return HubIdentity.of(json.getMap());
            } catch (IllegalArgumentException e) {
                throw failures.protocol(call, e.getMessage());
            }
        });
    }

    @Override
    public Uni<List<HubFile>> listFiles(RepoRef ref, String commit) {
        if (commit == null || !SHA1.matcher(commit).matches()) {
            return Uni.createFrom().failure(invalidCommit(ref, commit));
        }
        return tree.list(ref, commit);
    }

    @Override
    public Uni<Void> fetch(RepoRef ref, String commit, HubFile file, long offset, PooledBuffer target) {
        if (commit == null || !SHA1.matcher(commit).matches()) {
            return Uni.createFrom().failure(invalidCommit(ref, commit));
        }
        long length = target.capacity();
        if (offset < 0 || offset > file.size() || length > file.size() - offset) {
            return Uni.createFrom().failure(new HubException(Reason.INVALID_REQUEST, 0, "range " + offset + "+"
                    + length + " is outside file '" + HubFailures.printable(file.path()) + "' of " + file.size()
                    + " bytes"));
        }
        HubCall call = HubCall.file(ref, commit, file.path());
        String key = tokenKey + "\n" + ref.type() + "\n" + ref.id().id() + "\n" + commit + "\n" + file.path();
        return Uni.createFrom().deferred(() -> new RangeFetch(exchange, retries, resolvedUrls, key, call, file, offset,
                target, minBytesPerSecond).run());
    }

    @Override
    public Uni<Integer> probe() {
        return exchange.probe();
    }

    private static HubException invalidCommit(RepoRef ref, String commit) {
        return new HubException(Reason.INVALID_REQUEST, 0, ref.type().singular() + " " + ref.id().id() + ": commit '"
                + (commit == null ? "" : HubFailures.printable(commit)) + "' is not a 40-hex sha: resolve the "
                + "revision first");
    }
}
