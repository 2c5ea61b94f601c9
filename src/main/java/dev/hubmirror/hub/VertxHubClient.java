package dev.hubmirror.hub;

import dev.hubmirror.config.HubConfig;
import dev.hubmirror.failure.Reason;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * {@link HubClient} on the Vert.x core HTTP client: non-blocking, lazy, with back-pressure down to the socket.
 *
 * <ul>
 * <li>Redirects are followed here, not by Vert.x: a relative {@code Location} resolves against the current URL (keeping
 * its own query), an absolute one is followed only to the Hub's host (any port) or a host of
 * {@code mirror.hub.redirect-allowlist} (see {@link RedirectAllowlist}), never from https to http, at most
 * {@code mirror.hub.max-redirects} times; anything else fails with {@link Reason#REDIRECT_REFUSED}.</li>
 * <li>The token goes only to the Hub's exact origin (scheme, host and port of {@code mirror.hub.endpoint}), never to a
 * CDN.</li>
 * <li>5xx, 429, connection failures and idle timeouts are retried up to {@code mirror.hub.max-attempts} with exponential
 * backoff and jitter, honouring {@code Retry-After} and {@code RateLimit ... t=N} up to {@code mirror.hub.max-backoff}.
 * Delays are Vert.x timers.</li>
 * <li>A download always sends {@code Range} and resumes from the first byte not yet delivered when the body is cut,
 * stalls, ends short, or the CDN refuses an expired URL; the consecutive-failure count restarts whenever an attempt
 * delivered bytes.</li>
 * <li>Where a file's bytes come from (the URL its {@code /resolve} request ends at: a signed CDN URL for LFS files) is
 * cached per file and token for {@code mirror.hub.resolved-url-max-age}, at most
 * {@code mirror.hub.resolved-url-cache-size} files, so the Range requests of a file's parts and its resumed attempts go
 * straight to the CDN; parallel first requests for one file wait for a single resolution. When the CDN refuses a
 * cached URL (401, 403, 410: expired or revoked) the file is resolved on the Hub again, once, for that request.</li>
 * </ul>
 * Create one per {@link Vertx} and {@link #close()} it on shutdown.
 */
public final class VertxHubClient implements HubClient, AutoCloseable {

    private static final Logger LOGGER = Logger.getLogger(VertxHubClient.class);
    private static final Pattern SHA1 = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d{1,19})-(\\d{1,19})/(\\d{1,19}|\\*)");
    /** Largest JSON body read (a tree page of 1000 entries is a few hundred KB). */
    private static final int MAX_JSON_BYTES = 32 << 20;
    /** Largest redirect or error body drained to keep the connection; a longer one closes it. */
    private static final int MAX_DISCARDED_BYTES = 64 << 10;
    private static final String USER_AGENT = "hub-mirror/0.1";

    private final Vertx vertx;
    private final HttpClient http;
    private final HubEndpoint endpoint;
    private final RedirectAllowlist allowlist;
    private final RetryPolicy retry;
    private final HubFailures failures;
    private final Optional<String> token;
    private final long idleMillis;
    private final int maxRedirects;
    private final boolean allowPrivateRedirects;
    private final int pageSize;
    private final int maxFiles;
    private final HubObserver observer;
    /** Whether this client owns {@link #http} (views made by {@link #withToken} share their origin's). */
    private final boolean ownsConnections;
    /** Resolved download URLs, shared with the {@link #withToken} views (keys name the token's fingerprint). */
    private final ResolvedUrls resolvedUrls;
    private final String tokenKey;

    /** A client on a Vert.x instance (in Quarkus, the managed one). */
    public VertxHubClient(Vertx vertx, HubConfig config) {
        this(vertx, config, HubObserver.NONE);
    }

    /** A client that reports its responses and retries to {@code observer} (metrics). */
    public VertxHubClient(Vertx vertx, HubConfig config, HubObserver observer) {
        this.vertx = vertx;
        this.observer = observer;
        this.endpoint = new HubEndpoint(config.endpoint());
        this.allowlist = new RedirectAllowlist(config.redirectAllowlist());
        this.retry = new RetryPolicy(config.maxAttempts(), config.initialBackoff(), config.maxBackoff(),
                () -> ThreadLocalRandom.current().nextDouble());
        this.token = config.token().map(String::trim).filter(t -> !t.isEmpty());
        this.failures = new HubFailures(endpoint, token);
        this.idleMillis = Math.max(1, config.idleTimeout().toMillis());
        this.maxRedirects = Math.max(0, config.maxRedirects());
        this.allowPrivateRedirects = config.allowPrivateRedirects();
        this.pageSize = Math.max(1, config.treePageSize());
        this.maxFiles = Math.max(1, config.maxFiles());
        HttpClientOptions options = new HttpClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, config.connectTimeout().toMillis())))
                .setKeepAlive(true)
                .setDecompressionSupported(false)
                .setForceSni(true);
        this.http = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(config.maxConnectionsPerHost()));
        this.ownsConnections = true;
        this.resolvedUrls = new ResolvedUrls(config.resolvedUrlCacheSize(), config.resolvedUrlMaxAge().toNanos(),
                System::nanoTime);
        this.tokenKey = fingerprint(token);
    }

    /** A view of {@code origin} that sends {@code token} instead of origin's token. */
    private VertxHubClient(VertxHubClient origin, Optional<String> token) {
        this.vertx = origin.vertx;
        this.http = origin.http;
        this.endpoint = origin.endpoint;
        this.allowlist = origin.allowlist;
        this.retry = origin.retry;
        this.token = token;
        this.failures = new HubFailures(endpoint, token);
        this.idleMillis = origin.idleMillis;
        this.maxRedirects = origin.maxRedirects;
        this.allowPrivateRedirects = origin.allowPrivateRedirects;
        this.pageSize = origin.pageSize;
        this.maxFiles = origin.maxFiles;
        this.observer = origin.observer;
        this.ownsConnections = false;
        this.resolvedUrls = origin.resolvedUrls;
        this.tokenKey = fingerprint(token);
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

    /** A client on the Mutiny flavour of a Vert.x instance. */
    public VertxHubClient(io.vertx.mutiny.core.Vertx vertx, HubConfig config) {
        this(vertx.getDelegate(), config);
    }

    /** Closes the pooled connections (those of every {@link #withToken} view too); does not wait for them. */
    @Override
    public void close() {
        if (ownsConnections) {
            http.close();
        }
    }

    /** A view on the same connection pool and settings that sends {@code token}; closing the view does nothing. */
    @Override
    public HubClient withToken(String token) {
        return new VertxHubClient(this, Optional.ofNullable(token).map(String::trim).filter(t -> !t.isEmpty()));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // revision

    @Override
    public Uni<String> resolveCommit(RepoRef ref) {
        HubCall call = HubCall.revision(ref);
        URI url = endpoint.revisionUrl(ref);
        return withRetries(call, () -> getJson(call, url)).map(body -> {
            JsonObject json = parseObject(call, body);
            Object sha = json.getValue("sha");
            if (!(sha instanceof String s) || !SHA1.matcher(s).matches()) {
                throw failures.protocol(call, "the Hub's revision answer has no 40-hex 'sha' field");
            }
            return s;
        });
    }

    // ---------------------------------------------------------------------------------------------------------------
    // tree

    @Override
    public Uni<List<HubFile>> listFiles(RepoRef ref, String commit) {
        if (commit == null || !SHA1.matcher(commit).matches()) {
            return Uni.createFrom().failure(invalidCommit(ref, commit));
        }
        HubCall call = HubCall.tree(ref, commit);
        return Uni.createFrom().deferred(() -> {
            TreeListing listing = new TreeListing(call, endpoint.treeUrl(ref, commit, pageSize));
            return Multi.createBy().repeating()
                    .uni(() -> listing, l -> withRetries(call, () -> getJson(call, l.next)).map(l::add))
                    .until(more -> !more)
                    .collect().last()
                    .map(ignored -> List.copyOf(listing.files));
        });
    }

    /** The state of one paginated tree listing: what was read, where to read next. */
    private final class TreeListing {
        private final HubCall call;
        private final List<HubFile> files = new ArrayList<>();
        private final Set<String> paths = new HashSet<>();
        private final Set<URI> visited = new HashSet<>();
        private long folders;
        private URI next;

        TreeListing(HubCall call, URI first) {
            this.call = call;
            this.next = first;
        }

        /** Adds one page; whether another one follows. */
        boolean add(JsonBody page) {
            visited.add(page.url());
            JsonArray entries = parseArray(call, page.body());
            for (int i = 0; i < entries.size(); i++) {
                if (!(entries.getValue(i) instanceof JsonObject entry)) {
                    throw failures.protocol(call, "tree entry " + i + " is not a JSON object");
                }
                String type = entry.getValue("type") instanceof String t ? t : "";
                if (type.equals("directory")) {
                    if (++folders > maxFiles) {
                        throw failures.protocol(call, "the tree has more than " + maxFiles + " folders "
                                + "(mirror.hub.max-files)");
                    }
                    continue;
                }
                if (!type.equals("file")) {
                    throw failures.protocol(call, "tree entry " + i + " has unknown type '"
                            + HubFailures.printable(type) + "'");
                }
                HubFile file = toFile(call, entry);
                if (!paths.add(file.path())) {
                    throw failures.protocol(call, "the tree lists '" + HubFailures.printable(file.path()) + "' twice");
                }
                if (files.size() >= maxFiles) {
                    throw failures.protocol(call, "the tree has more than " + maxFiles + " files (mirror.hub.max-files):"
                            + " raise the limit if this repo is really that large");
                }
                files.add(file);
            }
            Optional<String> link = LinkHeader.next(page.headers().getAll("Link"));
            if (link.isEmpty()) {
                return false;
            }
            if (entries.isEmpty()) {
                throw failures.protocol(call, "an empty tree page links to another page");
            }
            URI target;
            try {
                target = page.url().resolve(new URI(link.get()));
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw failures.protocol(call, "the tree page's next link is not a URL");
            }
            if (!endpoint.isOrigin(target)) {
                throw failures.protocol(call, "the tree page's next link points to " + HubEndpoint.scheme(target)
                        + "://" + target.getRawAuthority() + ", not to the Hub " + endpoint.base() + ": refused");
            }
            if (visited.contains(target)) {
                throw failures.protocol(call, "the tree page's next link loops back to a page already read");
            }
            next = target;
            return true;
        }
    }

    private HubFile toFile(HubCall call, JsonObject entry) {
        Object path = entry.getValue("path");
        if (!(path instanceof String p) || p.isEmpty()) {
            throw failures.protocol(call, "a tree entry has no path");
        }
        long size = nonNegative(call, entry.getValue("size"), p, "size");
        Object oid = entry.getValue("oid");
        if (!(oid instanceof String blob) || !SHA1.matcher(blob).matches()) {
            throw failures.protocol(call, "tree entry '" + HubFailures.printable(p) + "' has no 40-hex 'oid'");
        }
        Optional<LfsInfo> lfs = Optional.empty();
        Object lfsValue = entry.getValue("lfs");
        if (lfsValue instanceof JsonObject l) {
            Object sha = l.getValue("oid");
            if (!(sha instanceof String s) || !SHA256.matcher(s).matches()) {
                throw failures.protocol(call, "tree entry '" + HubFailures.printable(p) + "' has an LFS pointer "
                        + "without a 64-hex 'oid'");
            }
            long lfsSize = nonNegative(call, l.getValue("size"), p, "lfs.size");
            long pointerSize = nonNegative(call, l.getValue("pointerSize"), p, "lfs.pointerSize");
            lfs = Optional.of(new LfsInfo(s, lfsSize, pointerSize));
            size = lfsSize;
        } else if (lfsValue != null) {
            throw failures.protocol(call, "tree entry '" + HubFailures.printable(p) + "' has a malformed 'lfs'");
        }
        return new HubFile(p, size, blob, lfs);
    }

    private long nonNegative(HubCall call, Object value, String path, String field) {
        if (value instanceof Number n && n.longValue() >= 0 && n.doubleValue() == n.longValue()) {
            return n.longValue();
        }
        throw failures.protocol(call, "tree entry '" + HubFailures.printable(path) + "' has no valid '" + field + "'");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // download

    @Override
    public Multi<ByteBuffer> download(RepoRef ref, String commit, HubFile file, long offset, long length) {
        if (commit == null || !SHA1.matcher(commit).matches()) {
            return Multi.createFrom().failure(invalidCommit(ref, commit));
        }
        if (offset < 0 || length < 0 || offset > file.size() || length > file.size() - offset) {
            return Multi.createFrom().failure(new HubException(Reason.INVALID_REQUEST, 0, "range " + offset + "+"
                    + length + " is outside file '" + HubFailures.printable(file.path()) + "' of " + file.size()
                    + " bytes"));
        }
        if (length == 0) {
            return Multi.createFrom().empty();
        }
        HubCall call = HubCall.file(ref, commit, file.path());
        return Multi.createFrom().deferred(() -> new Download(call, file, offset, length).stream());
    }

    /** One download: the bytes delivered so far, and the attempts to deliver the rest. */
    private final class Download implements ResponseBodyPublisher.Failures {
        private final HubCall call;
        private final HubFile file;
        private final long offset;
        private final long length;
        private final Context context = vertx.getOrCreateContext();
        private final AtomicLong delivered = new AtomicLong();
        private long deliveredAtLastFailure;
        private int failedAttempts;

        Download(HubCall call, HubFile file, long offset, long length) {
            this.call = call;
            this.file = file;
            this.offset = offset;
            this.length = length;
        }

        Multi<ByteBuffer> stream() {
            return Multi.createFrom().deferred(this::attempt)
                    .onFailure().retry().when(errors -> errors.onItem().transformToUniAndConcatenate(this::afterFailure));
        }

        private Multi<ByteBuffer> attempt() {
            long from = offset + delivered.get();
            long remaining = length - delivered.get();
            if (remaining == 0) {
                // the failure came after the last byte (before the end of the response): nothing is missing
                return Multi.createFrom().empty();
            }
            ResponseBodyPublisher body = new ResponseBodyPublisher(vertx, context, () -> open(from, remaining),
                    idleMillis, delivered::addAndGet, this);
            return Multi.createFrom().publisher(body).onCompletion().call(() -> {
                long done = delivered.get();
                return done == length ? Uni.createFrom().voidItem()
                        : Uni.createFrom().failure(tooShort(null, done, length));
            });
        }

        private Future<ResponseBodyPublisher.Opened> open(long from, long remaining) {
            String range = "bytes=" + from + "-" + (from + remaining - 1);
            String key = tokenKey + "\n" + call.ref().type() + "\n" + call.ref().id().id() + "\n" + call.commit()
                    + "\n" + call.path();
            return resolvedUrls.lookup(key, context).compose(cached -> {
                if (cached.isEmpty()) {
                    return resolveAndOpen(key, range, from, remaining);
                }
                URI url = cached.get();
                return send(call, url, range, file.size(), 0)
                        .compose(exchange -> accepted(exchange, from, remaining))
                        .recover(t -> {
                            if (!(t instanceof HubException e) || !refusesUrl(e.status())) {
                                return Future.failedFuture(t);
                            }
                            LOGGER.debugf("hub cached url refused, resolving again repo=%s path=%s status=%d",
                                    call.ref().id(), call.path(), e.status());
                            resolvedUrls.invalidate(key, url);
                            return resolvedUrls.lookup(key, context).compose(again -> again.isPresent()
                                    && !again.get().equals(url)
                                            ? send(call, again.get(), range, file.size(), 0)
                                                    .compose(exchange -> accepted(exchange, from, remaining))
                                            : resolveAndOpen(key, range, from, remaining));
                        });
            });
        }

        /** Resolves the file on the Hub (following its redirects) and opens the range; caches where it ended. */
        private Future<ResponseBodyPublisher.Opened> resolveAndOpen(String key, String range, long from,
                long remaining) {
            URI resolve = endpoint.resolveUrl(call.ref(), call.commit(), call.path());
            Future<ResponseBodyPublisher.Opened> opened;
            try {
                opened = send(call, resolve, range, file.size(), 0)
                        .compose(exchange -> accepted(exchange, from, remaining));
            } catch (RuntimeException e) {
                resolvedUrls.settle(key, null);
                return Future.failedFuture(e);
            }
            return opened.onComplete(ar -> resolvedUrls.settle(key, ar.succeeded() ? ar.result().url() : null));
        }

        private Future<ResponseBodyPublisher.Opened> accepted(Exchange exchange, long from, long remaining) {
            try {
                return Future.succeededFuture(accept(exchange, from, remaining));
            } catch (HubException e) {
                exchange.request().reset();
                return Future.failedFuture(e);
            }
        }

        /** Checks a 2xx answer to a Range request; how many body bytes it will carry. */
        private ResponseBodyPublisher.Opened accept(Exchange exchange, long from, long remaining) {
            HttpClientResponse response = exchange.response();
            int status = response.statusCode();
            String contentLength = response.getHeader(HttpHeaders.CONTENT_LENGTH);
            if (status == 200) {
                if (from != 0 || remaining != file.size()) {
                    throw failures.protocol(call, HubEndpoint.redacted(exchange.url()) + " ignored the Range header "
                            + "(HTTP 200 for bytes " + from + "+" + remaining + ")");
                }
                if (contentLength != null && !contentLength.trim().equals(Long.toString(file.size()))) {
                    throw failures.sizeMismatch(call, "the server sends " + HubFailures.printable(contentLength)
                            + " bytes, the tree lists " + file.size(), false);
                }
                return new ResponseBodyPublisher.Opened(exchange.request(), response, exchange.url(), remaining);
            }
            if (status != 206) {
                throw failures.protocol(call, "unexpected HTTP " + status + " from "
                        + HubEndpoint.redacted(exchange.url()) + " for a Range request");
            }
            String contentRange = response.getHeader("Content-Range");
            Matcher m = contentRange == null ? null : CONTENT_RANGE.matcher(contentRange.trim());
            if (m == null || !m.matches()) {
                throw failures.protocol(call, "HTTP 206 from " + HubEndpoint.redacted(exchange.url())
                        + " without a valid Content-Range");
            }
            long first = Long.parseLong(m.group(1));
            long last = Long.parseLong(m.group(2));
            long wantedLast = from + remaining - 1;
            if (!m.group(3).equals("*") && Long.parseLong(m.group(3)) != file.size()) {
                throw failures.sizeMismatch(call, "the server holds " + m.group(3) + " bytes, the tree lists "
                        + file.size(), false);
            }
            if (first != from || last < first) {
                throw failures.protocol(call, "asked for bytes " + from + "-" + wantedLast + ", got Content-Range "
                        + HubFailures.printable(contentRange));
            }
            if (last > wantedLast) {
                throw failures.sizeMismatch(call, "asked for bytes " + from + "-" + wantedLast + ", the server "
                        + "sends " + first + "-" + last, false);
            }
            long expected = last - first + 1;
            if (contentLength != null && !contentLength.trim().equals(Long.toString(expected))) {
                throw failures.protocol(call, "Content-Length " + HubFailures.printable(contentLength)
                        + " does not match Content-Range " + HubFailures.printable(contentRange));
            }
            return new ResponseBodyPublisher.Opened(exchange.request(), response, exchange.url(), expected);
        }

        private Uni<?> afterFailure(Throwable t) {
            long now = delivered.get();
            if (now > deliveredAtLastFailure) {
                failedAttempts = 0;
                deliveredAtLastFailure = now;
            }
            failedAttempts++;
            return nextAttempt(call, t, failedAttempts);
        }

        @Override
        public HubException connection(URI url, Throwable cause) {
            return failures.connection(call, url, cause);
        }

        @Override
        public HubException idle(URI url, long millis) {
            return failures.idle(call, url, millis);
        }

        @Override
        public HubException tooLong(URI url, long received, long expected) {
            return failures.sizeMismatch(call, "the server sent more than the " + expected + " bytes asked for "
                    + "(at offset " + (offset + delivered.get()) + ")", false);
        }

        @Override
        public HubException tooShort(URI url, long received, long expected) {
            // retriable: resuming asks for the rest; a file that is really shorter ends in HTTP 416
            return failures.sizeMismatch(call, "the body ended after " + received + " of " + expected + " bytes",
                    true);
        }
    }

    /** Whether a download host's answer means the (signed) URL itself is no longer good: expired or revoked. */
    private static boolean refusesUrl(int status) {
        return status == 401 || status == 403 || status == 410;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // probe

    @Override
    public Uni<Integer> probe() {
        URI url = endpoint.base();
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath() + "/";
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.HEAD)
                .setHost(url.getHost())
                .setPort(HubEndpoint.port(url))
                .setSsl(HubEndpoint.scheme(url).equals("https"))
                .setURI(path)
                .setFollowRedirects(false)
                .setIdleTimeout(idleMillis)
                .putHeader(HttpHeaders.USER_AGENT, USER_AGENT);
        return Uni.createFrom().<Integer>emitter(emitter -> vertx.getOrCreateContext().runOnContext(v -> http
                .request(options)
                .compose(request -> request.send())
                .compose(response -> response.end().map(done -> response.statusCode()))
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        emitter.complete(ar.result());
                    } else {
                        Throwable t = ar.cause();
                        emitter.fail(new HubException(Reason.HUB_CONNECTION, true, 0, "the Hub at " + endpoint.base()
                                + " did not answer: " + t.getClass().getSimpleName() + ": "
                                + HubFailures.printable(String.valueOf(t.getMessage()))
                                + "; check network access to the Hub (proxy, firewall, DNS)", null, null));
                    }
                })));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // whoami

    @Override
    public Uni<HubIdentity> whoami() {
        HubCall call = HubCall.whoami();
        return getJson(call, endpoint.whoamiUrl()).map(body -> {
            try {
                return HubIdentity.of(parseObject(call, body).getMap());
            } catch (IllegalArgumentException e) {
                throw failures.protocol(call, e.getMessage());
            }
        });
    }

    // ---------------------------------------------------------------------------------------------------------------
    // HTTP

    /** A response whose head arrived, paused before its body. */
    private record Exchange(HttpClientRequest request, HttpClientResponse response, URI url) {
    }

    /** A JSON answer, its headers and the URL it came from. */
    private record JsonBody(Buffer body, MultiMap headers, URI url) {
    }

    /**
     * Sends a GET, following redirects, and completes with the first 2xx response, paused. Must run on a Vert.x
     * context, so that pausing happens before the first body chunk.
     *
     * @param listedSize for downloads, the size the tree listed (checked against {@code X-Linked-Size}); else -1
     */
    private Future<Exchange> send(HubCall call, URI url, String range, long listedSize, int redirects) {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setHost(url.getHost())
                .setPort(HubEndpoint.port(url))
                .setSsl(HubEndpoint.scheme(url).equals("https"))
                .setURI(url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery()))
                .setFollowRedirects(false)
                .setIdleTimeout(idleMillis)
                .putHeader(HttpHeaders.USER_AGENT, USER_AGENT)
                .putHeader(HttpHeaders.ACCEPT_ENCODING, HttpHeaders.IDENTITY);
        if (range != null) {
            options.putHeader("Range", range);
        }
        if (token.isPresent() && endpoint.isOrigin(url)) {
            options.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token.get());
        }
        return http.request(options)
                .compose(request -> refuseInternalPeer(call, url, request))
                .compose(request -> request.send().map(response -> {
                    response.pause();
                    observer.response(response.statusCode(), endpoint.isOrigin(url));
                    return new Exchange(request, response, url);
                }))
                .recover(t -> {
                    if (t instanceof HubException) {
                        return Future.failedFuture(t);
                    }
                    observer.response(0, endpoint.isOrigin(url));
                    return Future.failedFuture(failures.connection(call, url, t));
                })
                .compose(exchange -> afterHead(call, exchange, range, listedSize, redirects));
    }

    /**
     * Refuses, before anything is sent, a connection that a redirect led to an internal address (see
     * {@link InternalAddresses}), unless it is the Hub's own origin or {@code mirror.hub.allow-private-redirects} is
     * on. The check is on the peer the socket is connected to, not on a separate DNS lookup, so a name that resolves
     * differently between a check and the connection (DNS rebinding) cannot get around it.
     */
    private Future<HttpClientRequest> refuseInternalPeer(HubCall call, URI url, HttpClientRequest request) {
        if (allowPrivateRedirects || endpoint.isOrigin(url)) {
            return Future.succeededFuture(request);
        }
        SocketAddress peer = request.connection().remoteAddress();
        String ip = peer == null ? null : peer.hostAddress();
        if (!InternalAddresses.isInternal(ip)) {
            return Future.succeededFuture(request);
        }
        request.reset();
        return Future.failedFuture(failures.redirectRefused(call, "redirect to host '" + url.getHost() + "' refused: "
                + "it is the internal address " + ip + " (loopback, private or link-local) and not the Hub "
                + endpoint.base() + "; set mirror.hub.allow-private-redirects=true only if the Hub's CDN really is "
                + "on the private network"));
    }

    private Future<Exchange> afterHead(HubCall call, Exchange exchange, String range, long listedSize,
            int redirects) {
        HttpClientResponse response = exchange.response();
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return Future.succeededFuture(exchange);
        }
        MultiMap headers = response.headers();
        discard(exchange);
        if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
            return Future.failedFuture(failures.fromResponse(call, exchange.url(), status, headers));
        }
        try {
            URI next = redirectTarget(call, exchange.url(), headers.get(HttpHeaders.LOCATION), status, redirects);
            String linkedSize = headers.get("X-Linked-Size");
            if (listedSize >= 0 && linkedSize != null && !linkedSize.trim().equals(Long.toString(listedSize))) {
                throw failures.sizeMismatch(call, "the Hub now serves " + HubFailures.printable(linkedSize)
                        + " bytes, the tree listed " + listedSize, false);
            }
            LOGGER.debugf("hub redirect repo=%s path=%s status=%d host=%s", call.ref().id(), call.path(), status,
                    next.getRawAuthority());
            return send(call, next, range, listedSize, redirects + 1);
        } catch (HubException e) {
            return Future.failedFuture(e);
        }
    }

    private URI redirectTarget(HubCall call, URI current, String location, int status, int redirects) {
        if (location == null || location.isBlank()) {
            throw failures.protocol(call, "HTTP " + status + " from " + HubEndpoint.redacted(current)
                    + " without a Location");
        }
        if (redirects >= maxRedirects) {
            throw failures.redirectRefused(call, "more than " + maxRedirects + " redirects (mirror.hub.max-redirects)");
        }
        URI next;
        try {
            next = current.resolve(new URI(location.trim().replace(" ", "%20")));
            next = new URI(next.toASCIIString());
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw failures.redirectRefused(call, "HTTP " + status + " from " + HubEndpoint.redacted(current)
                    + " has a malformed Location");
        }
        String scheme = HubEndpoint.scheme(next);
        if (!scheme.equals("http") && !scheme.equals("https") || next.getHost() == null) {
            throw failures.redirectRefused(call, "redirect to a non-HTTP(S) URL refused");
        }
        if (HubEndpoint.scheme(current).equals("https") && scheme.equals("http")) {
            throw failures.redirectRefused(call, "redirect from https to plain http (" + next.getHost()
                    + ") refused");
        }
        if (!endpoint.sameHost(next) && !allowlist.allows(next)) {
            throw failures.redirectRefused(call, "redirect to host '" + next.getHost() + "' refused: it is neither"
                    + " the Hub nor in mirror.hub.redirect-allowlist; add it there if you trust it");
        }
        return next;
    }

    /** Drains a body nobody reads (a redirect's, an error's) so the connection can be reused; a long one closes it. */
    private static void discard(Exchange exchange) {
        HttpClientResponse response = exchange.response();
        long[] seen = {0};
        response.handler(chunk -> {
            seen[0] += chunk.length();
            if (seen[0] > MAX_DISCARDED_BYTES) {
                exchange.request().reset();
            }
        });
        response.exceptionHandler(t -> LOGGER.tracef("hub discarded body error=%s", t.getClass().getSimpleName()));
        response.resume();
    }

    /** GETs a JSON document from the Hub, on a Vert.x context. */
    private Uni<JsonBody> getJson(HubCall call, URI url) {
        return Uni.createFrom().emitter(emitter -> {
            Context context = vertx.getOrCreateContext();
            context.runOnContext(v -> send(call, url, null, -1, 0)
                    .compose(exchange -> readJson(call, exchange))
                    .onComplete(ar -> {
                        if (ar.succeeded()) {
                            emitter.complete(ar.result());
                        } else {
                            emitter.fail(ar.cause());
                        }
                    }));
        });
    }

    private Future<JsonBody> readJson(HubCall call, Exchange exchange) {
        Promise<JsonBody> promise = Promise.promise();
        HttpClientResponse response = exchange.response();
        Buffer body = Buffer.buffer();
        long[] lastActivity = {System.nanoTime()};
        long timer = vertx.setPeriodic(Math.max(1, idleMillis / 4), id -> {
            if (System.nanoTime() - lastActivity[0] >= idleMillis * 1_000_000L
                    && promise.tryFail(failures.idle(call, exchange.url(), idleMillis))) {
                exchange.request().reset();
            }
        });
        response.handler(chunk -> {
            lastActivity[0] = System.nanoTime();
            if (body.length() + chunk.length() > MAX_JSON_BYTES) {
                if (promise.tryFail(failures.protocol(call, "the Hub's answer is larger than " + MAX_JSON_BYTES
                        + " bytes"))) {
                    exchange.request().reset();
                }
                return;
            }
            body.appendBuffer(chunk);
        });
        response.endHandler(v -> promise.tryComplete(new JsonBody(body, response.headers(), exchange.url())));
        response.exceptionHandler(t -> promise.tryFail(failures.connection(call, exchange.url(), t)));
        response.resume();
        return promise.future().onComplete(ar -> vertx.cancelTimer(timer));
    }

    private JsonObject parseObject(HubCall call, JsonBody body) {
        try {
            return body.body().toJsonObject();
        } catch (DecodeException | ClassCastException e) {
            throw failures.protocol(call, "the Hub's answer is not a JSON object");
        }
    }

    private JsonArray parseArray(HubCall call, Buffer body) {
        try {
            return body.toJsonArray();
        } catch (DecodeException | ClassCastException e) {
            throw failures.protocol(call, "the Hub's tree page is not a JSON array");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // retries

    private <T> Uni<T> withRetries(HubCall call, Supplier<Uni<? extends T>> attempt) {
        return Uni.createFrom().<T>deferred(attempt).onFailure().retry().when(errors -> {
            int[] failed = {0};
            return errors.onItem().transformToUniAndConcatenate(t -> nextAttempt(call, t, ++failed[0]));
        });
    }

    /** Completes after the backoff when another attempt should follow {@code failed} failures, else fails. */
    private Uni<?> nextAttempt(HubCall call, Throwable failure, int failed) {
        if (!(failure instanceof HubException e) || !e.retriable()) {
            return Uni.createFrom().failure(failure);
        }
        if (!retry.mayRetry(failed)) {
            return Uni.createFrom().failure(failures.exhausted(e, failed));
        }
        Duration delay = retry.delay(failed, e.retryAfter());
        observer.retry(e.reason());
        LOGGER.debugf("hub retry repo=%s revision=%s path=%s attempt=%d delayMs=%d error=%s", call.ref().id(),
                call.commit() == null ? call.ref().revision() : call.commit(), call.path(), failed + 1,
                delay.toMillis(), e.reason());
        long millis = delay.toMillis();
        if (millis <= 0) {
            return Uni.createFrom().item(Boolean.TRUE);
        }
        return Uni.createFrom().emitter(emitter -> {
            long timer = vertx.setTimer(millis, id -> emitter.complete(Boolean.TRUE));
            emitter.onTermination(() -> vertx.cancelTimer(timer));
        });
    }

    private static HubException invalidCommit(RepoRef ref, String commit) {
        return new HubException(Reason.INVALID_REQUEST, 0, ref.type().singular() + " " + ref.id() + ": commit '"
                + (commit == null ? "" : HubFailures.printable(commit)) + "' is not a 40-hex sha: resolve the "
                + "revision first");
    }
}
