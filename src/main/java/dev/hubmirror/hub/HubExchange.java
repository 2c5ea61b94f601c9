package dev.hubmirror.hub;

import static dev.hubmirror.log.LogKeys.HOST;
import static dev.hubmirror.log.LogKeys.PATH;
import static dev.hubmirror.log.LogKeys.REPO;
import static dev.hubmirror.log.LogKeys.STATUS;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.http.BodyReader;
import dev.hubmirror.http.HttpFailure;
import dev.hubmirror.http.InternalAddresses;
import dev.hubmirror.http.NettyHttpClient;
import dev.hubmirror.http.Request;
import dev.hubmirror.http.ResponseHandler;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.smallrye.mutiny.Uni;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * One GET to the Hub (or where it redirects to), with the Hub's rules, for one token:
 * <ul>
 * <li>Redirects are followed here: a relative {@code Location} resolves against the current URL (keeping its own
 * query), an absolute one is followed only to the Hub's host (any port) or a host of
 * {@code mirror.hub.redirect-allowlist} ({@link RedirectAllowlist}), never from https to http, at most
 * {@code mirror.hub.max-redirects} times; anything else fails with {@code REDIRECT_REFUSED}. A redirect that announces
 * {@code X-Linked-Size} must agree with the size the tree listed.</li>
 * <li>The token goes only to the Hub's exact origin (scheme, host and port of {@code mirror.hub.endpoint}).</li>
 * <li>SSRF: a request to any other origin is sent only after the address the connection really reached was checked
 * not to be internal ({@link InternalAddresses}), unless {@code mirror.hub.allow-private-redirects} is on.</li>
 * <li>A non-2xx answer becomes a {@link HubException} in the Hub's vocabulary ({@link HubFailures}); its body (and a
 * redirect's) is drained, up to 64 KiB, so the connection is reused; a longer one closes it.</li>
 * <li>Every response head is reported to the {@link HubObserver} (0 when none came), never a chunk.</li>
 * </ul>
 * Not retried here: see {@link HubRetries}.
 */
final class HubExchange {

    private static final Logger LOGGER = Logger.getLogger(HubExchange.class);
    /** Largest redirect or error body drained to keep the connection; a longer one closes it. */
    private static final long MAX_DISCARDED_BYTES = 64 << 10;
    /** Largest JSON body read (a tree page of 1000 entries is a few hundred KB). */
    static final int MAX_JSON_BYTES = 32 << 20;

    /**
     * What a request ended with: its body as the reader made it, the headers and URL of the response that carried it.
     */
    record Landed<T>(T body, HttpHeaders headers, URI url) {
    }

    /** One hop: the final answer, or where to go next. */
    private record Step<T>(Landed<T> landed, URI next) {
    }

    private final NettyHttpClient http;
    private final HubEndpoint endpoint;
    private final RedirectAllowlist allowlist;
    private final int maxRedirects;
    private final boolean allowPrivateRedirects;
    private final Optional<String> token;
    private final HubFailures failures;
    private final HubObserver observer;

    HubExchange(NettyHttpClient http, HubEndpoint endpoint, RedirectAllowlist allowlist, int maxRedirects,
            boolean allowPrivateRedirects, Optional<String> token, HubFailures failures, HubObserver observer) {
        this.http = http;
        this.endpoint = endpoint;
        this.allowlist = allowlist;
        this.maxRedirects = maxRedirects;
        this.allowPrivateRedirects = allowPrivateRedirects;
        this.token = token;
        this.failures = failures;
        this.observer = observer;
    }

    HubFailures failures() {
        return failures;
    }

    HubEndpoint endpoint() {
        return endpoint;
    }

    /** GETs a JSON document (bounded by {@link #MAX_JSON_BYTES}). */
    Uni<Landed<byte[]>> json(HubCall call, URI url) {
        return get(call, url, null, -1, head -> BodyReader.aggregate(MAX_JSON_BYTES,
                () -> failures.protocol(call, "the Hub's answer is larger than " + MAX_JSON_BYTES + " bytes")));
    }

    /**
     * GETs {@code url}, following redirects, and reads the first 2xx answer with {@code onSuccess}.
     *
     * @param range      the {@code Range} header, or null
     * @param listedSize for downloads, the size the tree listed (checked against {@code X-Linked-Size}); else -1
     */
    <T> Uni<Landed<T>> get(HubCall call, URI url, String range, long listedSize, ResponseHandler<T> onSuccess) {
        return hop(call, url, range, listedSize, 0, onSuccess);
    }

    private <T> Uni<Landed<T>> hop(HubCall call, URI url, String range, long listedSize, int redirects,
            ResponseHandler<T> onSuccess) {
        boolean origin = endpoint.isOrigin(url);
        Request request = Request.get(url).header(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.IDENTITY);
        if (range != null) {
            request.header(HttpHeaderNames.RANGE, range);
        }
        if (token.isPresent() && origin) {
            request.header(HttpHeaderNames.AUTHORIZATION, "Bearer " + token.get());
        }
        if (!allowPrivateRedirects && !origin) {
            request.peerCheck(peer -> refuseInternal(call, url, peer));
        }
        return http.exchange(request, head -> {
            int status = head.status();
            observer.response(status, origin);
            if (status >= 200 && status < 300) {
                return onSuccess.onHead(head).map(body -> new Step<>(new Landed<>(body, head.headers(), url), null));
            }
            HttpHeaders headers = head.headers();
            if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
                HubException e = failures.fromResponse(call, url, status, headers);
                return BodyReader.discard(MAX_DISCARDED_BYTES, () -> {
                    throw e;
                });
            }
            URI next;
            try {
                next = redirectTarget(call, url, headers.get(HttpHeaderNames.LOCATION), status, redirects);
                String linkedSize = headers.get("X-Linked-Size");
                if (listedSize >= 0 && linkedSize != null && !linkedSize.trim().equals(Long.toString(listedSize))) {
                    throw failures.sizeMismatch(call, "the Hub now serves " + HubFailures.printable(linkedSize)
                            + " bytes, the tree listed " + listedSize, false);
                }
            } catch (HubException e) {
                return BodyReader.discard(MAX_DISCARDED_BYTES, () -> {
                    throw e;
                });
            }
            LOGGER.debugf("hub redirect" + REPO + PATH + STATUS + HOST, call.ref().id(), call.path(), status,
                    next.getRawAuthority());
            return BodyReader.discard(MAX_DISCARDED_BYTES, () -> new Step<T>(null, next));
        }).onFailure(HttpFailure.class).transform(t -> {
            if (!((HttpFailure) t).headReceived()) {
                observer.response(0, origin);
            }
            return failures.connection(call, url, t);
        }).chain(step -> step.next() == null ? Uni.createFrom().item(step.landed())
                : hop(call, step.next(), range, listedSize, redirects + 1, onSuccess));
    }

    /**
     * Refuses, before anything is sent, a connection that a redirect (or a cached CDN URL) led to an internal address.
     * The check is on the peer the socket is connected to, not on a separate DNS lookup, so a name that resolves
     * differently between a check and the connection (DNS rebinding) cannot get around it. Through a forward proxy the
     * socket's peer is the proxy: then the target itself is judged, as this host resolves it when the connection is
     * made (a name it cannot resolve is left to the proxy).
     */
    private RuntimeException refuseInternal(HubCall call, URI url, InetSocketAddress peer) {
        if (peer != null && peer.isUnresolved()) {
            // through a forward proxy, for a name this host cannot resolve: only the proxy can, and its rules apply
            return null;
        }
        String ip = peer == null || peer.getAddress() == null ? null : peer.getAddress().getHostAddress();
        if (!InternalAddresses.isInternal(ip)) {
            return null;
        }
        return failures.redirectRefused(call, "redirect to host '" + url.getHost() + "' refused: it is the internal "
                + "address " + ip + " (loopback, private or link-local) and not the Hub " + endpoint.base()
                + "; set mirror.hub.allow-private-redirects=true only if the Hub's CDN really is on the private "
                + "network");
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

    /** A request that is not retried and carries no token: the Hub's reachability, any status counts. */
    Uni<Integer> probe() {
        URI base = endpoint.base();
        String path = base.getRawPath() == null || base.getRawPath().isEmpty() ? "/" : base.getRawPath() + "/";
        Request request = Request.of(HttpMethod.HEAD, base.resolve(path));
        return http.exchange(request, head -> {
            int status = head.status();
            return BodyReader.discard(MAX_DISCARDED_BYTES, () -> status);
        }).onFailure().transform(t -> new HubException(Reason.HUB_CONNECTION, true, 0,
                "the Hub at " + endpoint.base() + " did not answer: " + t.getClass().getSimpleName() + ": "
                        + HubFailures.printable(String.valueOf(t.getMessage()))
                        + "; check network access to the Hub (proxy, firewall, DNS)", null, null));
    }
}
