package dev.hubmirror.hub;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.failure.RetrySettings;
import dev.hubmirror.http.HttpFailure;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Translates what went wrong talking to the Hub into {@link HubException}s in the Hub's vocabulary
 * ({@code X-Error-Code}), with messages that name the repo, revision and file and say what to do. Messages never contain
 * the token or a URL's query (signed CDN URLs carry their credentials there); text from the server or from an I/O
 * exception is cleaned before it is quoted.
 */
final class HubFailures {

    private static final Pattern QUERY = Pattern.compile("\\?[^\\s\"'<>]*");
    private static final Pattern BEARER = Pattern.compile("(?i)bearer\\s+\\S+");
    private static final Pattern BASIC = Pattern.compile("(?i)basic\\s+[A-Za-z0-9+/=]{4,}");
    private static final Pattern USER_INFO = Pattern.compile("://[^/\\s@]+@");
    private static final Pattern HF_TOKEN = Pattern.compile("hf_[A-Za-z0-9]{6,}");
    private static final int MAX_QUOTED = 300;

    private final HubEndpoint endpoint;
    private final Optional<String> token;

    HubFailures(HubEndpoint endpoint, Optional<String> token) {
        this.endpoint = endpoint;
        this.token = token;
    }

    /** A non-2xx, non-redirect response. */
    HubException fromResponse(HubCall call, URI url, int status, HttpHeaders headers) {
        String code = headers.get("X-Error-Code");
        String said = quoteServer(headers.get("X-Error-Message"));
        Duration hint = RetrySettings.serverHint(headers.get("Retry-After"), headers.get("RateLimit"), Instant.now())
                .orElse(null);
        String what = call.describe();
        String tokenAdvice = token.isPresent()
                ? "check that HF_TOKEN (mirror.hub.token) is valid and can read it"
                : "set HF_TOKEN (mirror.hub.token) if it is private";
        if (code != null) {
            switch (code.trim()) {
                case "RepoNotFound":
                    return new HubException(Reason.REPO_NOT_FOUND, status, what + ": repository not found on "
                            + endpoint.base() + " (HTTP " + status + "): check the repo id and repo type, and "
                            + tokenAdvice + said);
                case "RevisionNotFound":
                    return new HubException(Reason.REVISION_NOT_FOUND, status, what
                            + ": revision not found (HTTP " + status + "): check the revision exists "
                            + "(a branch, tag, 40-hex commit or refs/pr/N)" + said);
                case "EntryNotFound":
                    return new HubException(Reason.ENTRY_NOT_FOUND, status, what + ": file not found at the commit"
                            + " (HTTP " + status + "): check the path; if the tree listed it, mirror again" + said);
                case "GatedRepo":
                    return new HubException(Reason.GATED_REPO, status, what + ": the repository is gated (HTTP "
                            + status + "): request access at " + endpoint.repoPage(call.ref())
                            + " and set HF_TOKEN (mirror.hub.token) to a token of a user who was granted access"
                            + (token.isPresent() ? " (the configured token has no access yet)" : "") + said);
                default:
                    break;
            }
        }
        boolean fromHub = endpoint.isOrigin(url);
        if (status == 407) {
            return new HubException(Reason.HUB_CONNECTION, false, status, what + ": the forward proxy refused the "
                    + "request (HTTP 407): check mirror.proxy.username and mirror.proxy.password (or the credentials "
                    + "in HTTP_PROXY)", null, null);
        }
        if (status == 429) {
            return new HubException(Reason.RATE_LIMITED, true, status, what + ": rate-limited by "
                    + host(url) + " (HTTP 429): retry later, or use a token with a higher rate limit" + said, hint,
                    null);
        }
        if (status >= 500) {
            return new HubException(Reason.HUB_UNAVAILABLE, true, status, what + ": " + host(url)
                    + " answered HTTP " + status + ": the Hub is unavailable, retry later" + said, hint, null);
        }
        if ((status == 401 || status == 403) && !fromHub) {
            // a signed CDN URL expired or was refused: resolving the file on the Hub again gives a fresh one
            return new HubException(Reason.UNAUTHORIZED, true, status, what + ": the download host " + host(url)
                    + " refused the signed URL (HTTP " + status + "); it may have expired: check the clock of this "
                    + "host and retry", null, null);
        }
        if (status == 401 || status == 403) {
            return new HubException(Reason.UNAUTHORIZED, status, what + ": the Hub refused access (HTTP " + status
                    + "): " + (token.isPresent() ? "check that HF_TOKEN (mirror.hub.token) is valid and has read "
                    + "access" : "set HF_TOKEN (mirror.hub.token) to a token with read access") + said);
        }
        if (status == 404) {
            if (call.path() != null) {
                return new HubException(Reason.ENTRY_NOT_FOUND, status, what + ": not found at "
                        + HubEndpoint.redacted(url) + " (HTTP 404): check the path; if the tree listed it, mirror "
                        + "again" + said);
            }
            return new HubException(Reason.REPO_NOT_FOUND, status, what + ": not found (HTTP 404): check the repo "
                    + "id, repo type and revision, and " + tokenAdvice + said);
        }
        if (status == 416) {
            return new HubException(Reason.SIZE_MISMATCH, status, what + ": " + host(url) + " refused the byte "
                    + "range (HTTP 416): the file is shorter than the tree listed; mirror again" + said);
        }
        return new HubException(Reason.HUB_PROTOCOL, status, what + ": unexpected HTTP " + status + " from "
                + HubEndpoint.redacted(url) + said);
    }

    /** The connection failed, was cut, stalled or trickled, or no connection was free. */
    HubException connection(HubCall call, URI url, Throwable cause) {
        String detail;
        if (cause instanceof HttpFailure f) {
            detail = switch (f.kind()) {
                case CONNECT_TIMEOUT -> "no connection within the connect timeout (mirror.hub.connect-timeout)";
                case IDLE -> clean(f.getMessage()) + ", the idle timeout (mirror.hub.idle-timeout)";
                case TOO_SLOW -> clean(f.getMessage()) + " (mirror.hub.min-rate over mirror.hub.min-rate-window): the "
                        + "server or the network is too slow";
                case TLS -> "TLS failed: " + clean(f.getMessage()) + "; check that the server's certificate is trusted "
                        + "(the JVM trust store, or mirror.hub.trust-certificates) and names the host";
                case QUEUE_FULL -> clean(f.getMessage()) + " (mirror.hub.max-waiting-requests-per-host)";
                default -> clean(f.getMessage()) + (String.valueOf(f.getMessage()).contains("status: 407")
                        ? "; the proxy refused the credentials: check mirror.proxy.username and mirror.proxy.password"
                        : "");
            };
        } else {
            detail = cause.getClass().getSimpleName() + ": " + clean(cause.getMessage());
        }
        return new HubException(Reason.HUB_CONNECTION, true, 0, call.describe() + ": connection to " + host(url)
                + " failed: " + detail + "; check network access to the Hub (proxy, firewall, DNS)", null, null);
    }

    /** The Hub answered something this client does not understand. */
    HubException protocol(HubCall call, String problem) {
        return new HubException(Reason.HUB_PROTOCOL, 0, call.describe() + ": " + problem);
    }

    /** A redirect that is not followed. */
    HubException redirectRefused(HubCall call, String problem) {
        return new HubException(Reason.REDIRECT_REFUSED, 0, call.describe() + ": " + problem);
    }

    /** The size of what the Hub serves differs from what was asked for or listed. */
    HubException sizeMismatch(HubCall call, String problem, boolean retriable) {
        return new HubException(Reason.SIZE_MISMATCH, retriable, 0, call.describe() + ": " + problem, null, null);
    }

    /** The last failure of a retried request, after the retry budget was spent. */
    HubException exhausted(HubException last, int attempts) {
        return new HubException(last.reason(), last.reason().retriable(), last.status(),
                last.getMessage() + " (gave up after " + attempts + " attempts)", last.retryAfter().orElse(null),
                last);
    }

    private static String host(URI url) {
        return HubEndpoint.scheme(url) + "://" + url.getRawAuthority();
    }

    private String quoteServer(String message) {
        if (message == null || message.isBlank()) {
            return "";
        }
        return "; the server said: " + clean(message);
    }

    /**
     * Server or exception text made safe to quote: no query strings, no tokens, no proxy credentials, no control
     * characters, bounded.
     */
    String clean(String text) {
        if (text == null) {
            return "";
        }
        String s = text;
        if (token.isPresent() && !token.get().isEmpty()) {
            s = s.replace(token.get(), "<token>");
        }
        s = QUERY.matcher(s).replaceAll("?<redacted>");
        s = BEARER.matcher(s).replaceAll("Bearer <token>");
        s = BASIC.matcher(s).replaceAll("Basic <credentials>");
        s = USER_INFO.matcher(s).replaceAll("://<credentials>@");
        s = HF_TOKEN.matcher(s).replaceAll("hf_<token>");
        return printable(s);
    }

    /** Control characters replaced, at most a few hundred characters. */
    static String printable(String s) {
        String cut = s.length() > MAX_QUOTED ? s.substring(0, MAX_QUOTED) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
