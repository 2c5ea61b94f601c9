package dev.hubmirror.registry;

import dev.hubmirror.http.BodyReader;
import dev.hubmirror.http.HttpFailure;
import dev.hubmirror.http.HttpOrigin;
import dev.hubmirror.http.InternalAddresses;
import dev.hubmirror.http.NettyHttpClient;
import dev.hubmirror.http.Request;
import dev.hubmirror.http.ResponseHandler;
import dev.hubmirror.log.LogKeys;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntPredicate;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Requests to one registry with the registry's rules, one request at a time (no retries here: see
 * {@link RegistryRetries}):
 * <ul>
 * <li><b>Authentication.</b> A request goes out anonymously until the registry challenges it (401 with
 * {@code WWW-Authenticate}). {@code Bearer realm=..,service=..}: a token is fetched from the realm for the scopes the
 * operation needs ({@code repository:<name>:pull}, {@code pull,push} to push, plus {@code pull} on the repository a
 * blob is mounted from), with the registry's credentials when it has some, cached per scope set until shortly before
 * it expires, and the request is sent again once. {@code Basic}: the registry's credentials are sent, and from then on
 * up front. Concurrent requests that need the same token wait for one fetch.</li>
 * <li><b>Credentials</b> (the token, or the user and password) go only to the registry's exact origin (scheme, host,
 * port) and, for the token, to the realm; never to a host a redirect leads to.</li>
 * <li><b>Redirects</b> (blob downloads to signed storage URLs) are followed when the operation allows it: at most
 * {@code max-redirects}, never from https to http, relative ones against the current URL.</li>
 * <li><b>SSRF</b>: any origin other than the registry's (a storage host, a token realm elsewhere), and the registry's
 * own origin unless it is trusted (the target, a host of {@code private-hosts}: a source named in a request could
 * otherwise point at the private network), is sent a request only after the address the connection really reached
 * was checked not to be internal ({@link InternalAddresses}), unless {@code allow-private-redirects} is on.</li>
 * <li>A response the operation does not accept becomes a {@link RegistryException} from its status and the error
 * body (read up to 64 KiB; a longer one closes the connection).</li>
 * </ul>
 */
final class RegistryExchange {

    private static final Logger LOGGER = Logger.getLogger(RegistryExchange.class);
    /** Largest error or redirect body read (to quote the error, or to keep the connection). */
    static final int MAX_ERROR_BODY = 64 << 10;
    /** Largest token response accepted. */
    private static final int MAX_TOKEN_BODY = 1 << 20;

    /**
     * One request. {@code body} makes a fresh body for each send (a 401 sends again); {@code accepted} says which
     * statuses the caller's handler reads (everything else is a failure).
     */
    record Op(HttpMethod method, URI url, List<Map.Entry<String, String>> headers, Supplier<ByteBuf> body,
            List<String> scopes, boolean followRedirects, IntPredicate accepted) {

        static Op of(HttpMethod method, URI url, List<String> scopes) {
            return new Op(method, url, List.of(), null, scopes, false, s -> s >= 200 && s < 300);
        }

        Op header(String name, String value) {
            List<Map.Entry<String, String>> all = new ArrayList<>(headers);
            all.add(Map.entry(name, value));
            return new Op(method, url, all, body, scopes, followRedirects, accepted);
        }

        Op body(Supplier<ByteBuf> b) {
            return new Op(method, url, headers, b, scopes, followRedirects, accepted);
        }

        Op following() {
            return new Op(method, url, headers, body, scopes, true, accepted);
        }

        Op accepting(IntPredicate statuses) {
            return new Op(method, url, headers, body, scopes, followRedirects, statuses);
        }
    }

    /**
     * How one hop ended: the caller's result, a challenge to answer ({@code refused}: the request carried credentials
     * the registry did not accept), or where to go next.
     */
    private record Step<T>(T result, Challenge challenge, boolean refused, URI next) {
    }

    /** A bearer token and when it stops being used. */
    private record Token(String value, long renewAtNanos) {
    }

    private final NettyHttpClient http;
    private final String registry;
    private final URI base;
    private final HttpOrigin origin;
    private final Optional<RegistryCredentials.Basic> credentials;
    private final RegistrySettings settings;
    private final RegistryObserver observer;
    private final RegistryRetries retries;
    private final boolean trusted;
    private final ConcurrentHashMap<String, Uni<Token>> tokens = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Token> issued = new ConcurrentHashMap<>();
    private volatile boolean basic;
    private volatile Challenge bearer;

    /**
     * @param trusted whether the registry's own origin may be an internal address (the target, a host of
     *                {@code mirror.registry.private-hosts}); every other origin is always checked
     */
    RegistryExchange(NettyHttpClient http, String registry, URI base, Optional<RegistryCredentials.Basic> credentials,
            RegistrySettings settings, RegistryObserver observer, RegistryRetries retries, boolean trusted) {
        this.http = http;
        this.registry = registry;
        this.base = base;
        this.origin = HttpOrigin.of(base);
        this.credentials = credentials;
        this.settings = settings;
        this.observer = observer;
        this.retries = retries;
        this.trusted = trusted;
    }

    String registry() {
        return registry;
    }

    /** {@code /v2/<path>} on this registry. */
    URI url(String path) {
        return base.resolve("/v2/" + path);
    }

    /** The base URL requests go to. */
    URI base() {
        return base;
    }

    /** Sends {@code op} and reads an accepted response with {@code handler}. */
    <T> Uni<T> send(RegistryCall call, Op op, ResponseHandler<T> handler) {
        return hop(call, op, op.url(), 0, false, handler);
    }

    private <T> Uni<T> hop(RegistryCall call, Op op, URI url, int redirects, boolean authenticated,
            ResponseHandler<T> handler) {
        boolean atOrigin = origin.equals(HttpOrigin.of(url));
        Uni<Optional<String>> auth = atOrigin ? authorization(call, op.scopes())
                : Uni.createFrom().item(Optional.empty());
        return auth.chain(authorization -> {
            Request request = Request.of(op.method(), url);
            op.headers().forEach(h -> request.header(h.getKey(), h.getValue()));
            authorization.ifPresent(a -> request.header(HttpHeaderNames.AUTHORIZATION, a));
            boolean sentAuth = authorization.isPresent();
            if (!(atOrigin && trusted) && !settings.allowPrivateRedirects()) {
                request.peerCheck(peer -> refuseInternal(call, url, peer));
            }
            if (op.body() != null) {
                request.body(op.body().get());
            }
            return http.exchange(request, head -> {
                int status = head.status();
                observer.response(registry, status);
                HttpHeaders headers = head.headers();
                if (status == 401 && atOrigin && !authenticated) {
                    Optional<Challenge> challenge = Challenge.parse(headers.get(HttpHeaderNames.WWW_AUTHENTICATE));
                    if (challenge.isPresent() && (challenge.get().bearer() || challenge.get().basic())) {
                        return BodyReader.discard(MAX_ERROR_BODY,
                                () -> new Step<T>(null, challenge.get(), sentAuth, null));
                    }
                }
                if (op.followRedirects() && isRedirect(status)) {
                    URI next = redirectTarget(call, url, headers.get(HttpHeaderNames.LOCATION), status, redirects);
                    LOGGER.debugf("registry redirect" + LogKeys.CALL + LogKeys.STATUS + LogKeys.HOST, call, status,
                            next.getHost());
                    return BodyReader.discard(MAX_ERROR_BODY, () -> new Step<T>(null, null, false, next));
                }
                if (op.accepted().test(status)) {
                    return handler.onHead(head).map(result -> new Step<T>(result, null, false, null));
                }
                return errorBody().map(body -> {
                    throw RegistryFailures.fromResponse(call, url, status, headers, body);
                });
            }).onFailure(HttpFailure.class).transform(t -> {
                if (!t.headReceived()) {
                    observer.response(registry, 0);
                }
                return RegistryFailures.connection(call, url, t);
            });
        }).chain(step -> {
            if (step.challenge() != null) {
                return answer(call, step.challenge(), op.scopes(), step.refused())
                        .chain(() -> hop(call, op, url, redirects, true, handler));
            }
            if (step.next() != null) {
                return hop(call, op, step.next(), redirects + 1, authenticated, handler);
            }
            return Uni.createFrom().item(step.result());
        });
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    /** Keeps the first 4 KiB of an error body to quote its code; more than 64 KiB closes the connection. */
    private static BodyReader<byte[]> errorBody() {
        return new BodyReader<>() {
            private final byte[] kept = new byte[4096];
            private int length;
            private long seen;

            @Override
            public boolean onContent(ByteBuf chunk) {
                int n = Math.min(chunk.readableBytes(), kept.length - length);
                chunk.getBytes(chunk.readerIndex(), kept, length, n);
                length += n;
                seen += chunk.readableBytes();
                return seen <= MAX_ERROR_BODY;
            }

            @Override
            public byte[] end() {
                return java.util.Arrays.copyOf(kept, length);
            }
        };
    }

    // ---- authentication

    /** The {@code Authorization} to send up front to the registry for {@code scopes}, if it is known to want one. */
    private Uni<Optional<String>> authorization(RegistryCall call, List<String> scopes) {
        if (basic) {
            return Uni.createFrom().item(credentials.map(RegistryCredentials.Basic::header));
        }
        Challenge known = bearer;
        if (known == null) {
            return Uni.createFrom().item(Optional.empty());
        }
        return token(call, known, scopes, false).map(t -> Optional.of("Bearer " + t.value()));
    }

    /** Answers a challenge: remembers the scheme, fetches a fresh token for a bearer one. */
    private Uni<Void> answer(RegistryCall call, Challenge challenge, List<String> scopes, boolean refused) {
        if (challenge.basic()) {
            if (credentials.isEmpty()) {
                return Uni.createFrom().failure(new RegistryException(dev.hubmirror.failure.Reason
                        .REGISTRY_UNAUTHORIZED, 401, call.describe() + ": the registry asks for a user name and "
                        + "password (HTTP 401, Basic) and none is configured for " + registry + ": add it to "
                        + "mirror.registry.docker-config or mirror.registry.credentials"));
            }
            basic = true;
            return Uni.createFrom().voidItem();
        }
        bearer = challenge;
        // the operation's own scopes (a mount adds the source repository's pull); the challenge's only if it has none
        List<String> all = new ArrayList<>(scopes);
        if (all.isEmpty()) {
            challenge.param("scope").ifPresent(s -> {
                for (String scope : s.split(" ")) {
                    if (!scope.isBlank()) {
                        all.add(scope);
                    }
                }
            });
        }
        return token(call, challenge, all, refused).replaceWithVoid();
    }

    /**
     * A token for {@code scopes} from the challenge's realm: the cached one while it is valid, unless {@code refused}
     * (the registry refused it: it is dropped and a new one fetched). Concurrent callers share one fetch.
     */
    private Uni<Token> token(RegistryCall call, Challenge challenge, List<String> scopes, boolean refused) {
        String key = new TreeSet<>(scopes).toString();
        Token held = issued.get(key);
        if (held != null) {
            if (refused) {
                issued.remove(key, held);
            } else if (System.nanoTime() < held.renewAtNanos()) {
                return Uni.createFrom().item(held);
            }
        }
        return tokens.computeIfAbsent(key, k -> retries.run(call, () -> fetchToken(call, challenge, scopes))
                .invoke(t -> issued.put(k, t))
                .onTermination().invoke(() -> tokens.remove(k))
                .memoize().indefinitely());
    }

    private Uni<Token> fetchToken(RegistryCall call, Challenge challenge, List<String> scopes) {
        String realm = challenge.param("realm").orElse("");
        URI realmUrl;
        try {
            realmUrl = new URI(realm.trim());
        } catch (URISyntaxException e) {
            return Uni.createFrom().failure(RegistryFailures.protocol(call, "the registry's token realm is not a URL"));
        }
        String scheme = realmUrl.getScheme() == null ? "" : realmUrl.getScheme();
        if (!scheme.equals("https") && !scheme.equals("http") || realmUrl.getHost() == null) {
            return Uni.createFrom().failure(RegistryFailures.protocol(call, "the registry's token realm '"
                    + RegistryFailures.quote(realm) + "' is not an http(s) URL"));
        }
        if (base.getScheme().equals("https") && scheme.equals("http")) {
            return Uni.createFrom().failure(RegistryFailures.redirectRefused(call, "the registry (https) names a "
                    + "plain-http token realm " + RegistryFailures.redacted(realmUrl) + ": credentials would travel "
                    + "in clear"));
        }
        StringBuilder query = new StringBuilder();
        challenge.param("service").ifPresent(s -> query.append("service=").append(encode(s)));
        Set<String> unique = new LinkedHashSet<>(scopes);
        for (String scope : unique) {
            query.append(query.length() == 0 ? "" : "&").append("scope=").append(encode(scope));
        }
        String raw = realmUrl.toString();
        URI url = URI.create(raw + (query.length() == 0 ? "" : (raw.contains("?") ? "&" : "?") + query));
        Request request = Request.get(url);
        credentials.ifPresent(c -> request.header(HttpHeaderNames.AUTHORIZATION, c.header()));
        boolean sameOrigin = origin.equals(HttpOrigin.of(url));
        if (!(sameOrigin && trusted) && !settings.allowPrivateRedirects()) {
            request.peerCheck(peer -> refuseInternal(call, url, peer));
        }
        RegistryCall tokenCall = new RegistryCall("token for " + String.join(" ", unique), call.registry(),
                call.repository(), call.chart());
        return http.exchange(request, head -> {
            int status = head.status();
            observer.response(registry, status);
            if (status == 200) {
                return BodyReader.aggregate(MAX_TOKEN_BODY, () -> RegistryFailures.protocol(tokenCall,
                        "the token answer is larger than " + MAX_TOKEN_BODY + " bytes"));
            }
            HttpHeaders headers = head.headers();
            return errorBody().map(body -> {
                throw RegistryFailures.fromResponse(tokenCall, url, status, headers, body);
            });
        }).onFailure(HttpFailure.class).transform(t -> RegistryFailures.connection(tokenCall, url, t))
                .map(body -> parseToken(tokenCall, body));
    }

    private static Token parseToken(RegistryCall call, byte[] body) {
        JsonObject json;
        try {
            json = new JsonObject(Buffer.buffer(body));
        } catch (RuntimeException e) {
            throw RegistryFailures.protocol(call, "the token answer is not a JSON object");
        }
        Object token = json.getValue("token");
        if (!(token instanceof String) || ((String) token).isEmpty()) {
            token = json.getValue("access_token");
        }
        if (!(token instanceof String t) || t.isEmpty() || t.length() > 16384 || !t.matches("[\\x21-\\x7e]+")) {
            throw RegistryFailures.protocol(call, "the token answer has no usable 'token' or 'access_token'");
        }
        long expiresIn = json.getValue("expires_in") instanceof Number n && n.longValue() > 0 ? n.longValue() : 60;
        long margin = Math.min(30, expiresIn / 4);
        return new Token(t, System.nanoTime() + (expiresIn - margin) * 1_000_000_000L);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    // ---- redirects and SSRF

    private URI redirectTarget(RegistryCall call, URI current, String location, int status, int redirects) {
        if (location == null || location.isBlank()) {
            throw RegistryFailures.protocol(call, "HTTP " + status + " from " + RegistryFailures.redacted(current)
                    + " without a Location");
        }
        if (redirects >= settings.maxRedirects()) {
            throw RegistryFailures.redirectRefused(call, "more than " + settings.maxRedirects()
                    + " redirects (mirror.registry.max-redirects)");
        }
        URI next;
        try {
            next = current.resolve(new URI(location.trim().replace(" ", "%20")));
            next = new URI(next.toASCIIString());
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw RegistryFailures.redirectRefused(call, "HTTP " + status + " from "
                    + RegistryFailures.redacted(current) + " has a malformed Location");
        }
        String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || next.getHost() == null) {
            throw RegistryFailures.redirectRefused(call, "redirect to a non-HTTP(S) URL refused");
        }
        if ("https".equalsIgnoreCase(current.getScheme()) && scheme.equals("http")) {
            throw RegistryFailures.redirectRefused(call, "redirect from https to plain http (" + next.getHost()
                    + ") refused");
        }
        return next;
    }

    /**
     * Refuses, before anything is sent, a connection to an internal address for any origin but the registry's own.
     * The check is on the peer the socket is connected to (no separate DNS lookup that a rebinding name could fool);
     * through a forward proxy, the target as this host resolves it (a name it cannot resolve is left to the proxy).
     */
    private RuntimeException refuseInternal(RegistryCall call, URI url, InetSocketAddress peer) {
        if (peer != null && peer.isUnresolved()) {
            return null;
        }
        String ip = peer == null || peer.getAddress() == null ? null : peer.getAddress().getHostAddress();
        if (!InternalAddresses.isInternal(ip)) {
            return null;
        }
        if (origin.equals(HttpOrigin.of(url))) {
            return RegistryFailures.redirectRefused(call, "registry '" + registry + "' is the internal address " + ip
                    + " (loopback, private or link-local); a source on the private network must be listed in "
                    + "mirror.registry.private-hosts");
        }
        return RegistryFailures.redirectRefused(call, "host '" + url.getHost() + "' is the internal address " + ip
                + " (loopback, private or link-local) and not the registry " + base + "; set "
                + "mirror.registry.allow-private-redirects=true only if the registry's storage or token service "
                + "really is on the private network");
    }
}
