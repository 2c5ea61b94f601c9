package dev.hubmirror.registry;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.failure.RetrySettings;
import dev.hubmirror.http.HttpFailure;
import io.netty.handler.codec.http.HttpHeaders;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * Translates what went wrong talking to a registry into {@link RegistryException}s with the registry's vocabulary
 * (the {@code errors[].code} of the distribution spec) and messages that name the image, the blob or the upload and
 * say what to do. Messages never contain credentials, tokens or a URL's query (upload locations and signed storage
 * URLs carry state and signatures there); text from the server is cleaned before it is quoted.
 */
final class RegistryFailures {

    private static final Pattern BEARER = Pattern.compile("(?i)bearer\\s+\\S+");
    private static final Pattern BASIC = Pattern.compile("(?i)basic\\s+[A-Za-z0-9+/=]{4,}");
    private static final Pattern QUERY = Pattern.compile("\\?[^\\s\"'<>]*");
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");
    private static final int MAX_QUOTED = 200;

    private RegistryFailures() {
    }

    /** A URL as it may appear in a message: scheme, host, port and path; no user info, no query. */
    static String redacted(URI url) {
        if (url == null) {
            return "";
        }
        String path = url.getRawPath() == null ? "" : url.getRawPath();
        return url.getScheme() + "://" + url.getHost() + (url.getPort() == -1 ? "" : ":" + url.getPort()) + path;
    }

    /** Server text made safe to quote: credentials, tokens and queries removed, control characters replaced, cut. */
    static String quote(String text) {
        if (text == null) {
            return "";
        }
        String t = BEARER.matcher(text).replaceAll("Bearer ***");
        t = BASIC.matcher(t).replaceAll("Basic ***");
        t = JWT.matcher(t).replaceAll("***");
        t = QUERY.matcher(t).replaceAll("?...");
        return Digest.printable(t.length() > MAX_QUOTED ? t.substring(0, MAX_QUOTED) : t);
    }

    /** The first {@code errors[].code} and {@code message} of an error body, or empty strings. */
    static String[] errorOf(byte[] body) {
        if (body == null || body.length == 0) {
            return new String[] {"", ""};
        }
        try {
            JsonObject json = new JsonObject(Buffer.buffer(body));
            if (json.getValue("errors") instanceof JsonArray errors && !errors.isEmpty()
                    && errors.getValue(0) instanceof JsonObject first) {
                String code = first.getValue("code") instanceof String c ? c : "";
                String message = first.getValue("message") instanceof String m ? m : "";
                return new String[] {code.matches("[A-Z_]{1,64}") ? code : "", message};
            }
        } catch (RuntimeException e) {
            // not the spec's error body: fall through
        }
        return new String[] {"", ""};
    }

    /** A non-2xx, non-redirect response to {@code call}, its (bounded) body already read. */
    static RegistryException fromResponse(RegistryCall call, URI url, int status, HttpHeaders headers, byte[] body) {
        String[] error = errorOf(body);
        String code = error[0];
        String said = error[1].isEmpty() ? "" : ": " + quote(error[1]);
        String head = call.describe() + ": " + (code.isEmpty() ? "" : code + " ") + "(HTTP " + status + " from "
                + redacted(url) + said + ")";
        Duration hint = RetrySettings.serverHint(headers.get("Retry-After"), headers.get("RateLimit"), Instant.now())
                .orElse(null);
        if (status == 429 || code.equals("TOOMANYREQUESTS")) {
            return new RegistryException(Reason.RATE_LIMITED, true, status, code, head + "; the registry limits the "
                    + "request rate: it is retried after the wait it asks for", hint, null);
        }
        if (status >= 500 || status == 408) {
            return new RegistryException(status == 408 ? Reason.REGISTRY_CONNECTION : Reason.REGISTRY_UNAVAILABLE,
                    true, status, code, head + "; the registry is failing or overloaded: it is retried", hint, null);
        }
        if (status == 401 || status == 403 || code.equals("DENIED") || code.equals("UNAUTHORIZED")) {
            return new RegistryException(Reason.REGISTRY_UNAUTHORIZED, false, status, code, head + "; the registry "
                    + "refused access: check the credentials for " + call.registry() + " (mirror.registry."
                    + "docker-config, mirror.registry.credentials) and that they may "
                    + (call.what().startsWith("manifest") || call.what().startsWith("blob") ? "read" : "write")
                    + " this repository", hint, null);
        }
        if (code.equals("BLOB_UNKNOWN") || status == 404 && call.what().startsWith("blob")) {
            return new RegistryException(Reason.BLOB_NOT_FOUND, false, status, code, head + "; the source "
                    + "registry does not have a blob its manifest names: the image is broken at the source, nothing "
                    + "was tagged in the target", hint, null);
        }
        if (code.equals("MANIFEST_UNKNOWN") || code.equals("NAME_UNKNOWN") || code.equals("NAME_INVALID")
                || status == 404 && call.what().startsWith("manifest")) {
            Reason reason = call.chart() ? Reason.CHART_NOT_FOUND : Reason.IMAGE_NOT_FOUND;
            return new RegistryException(reason, false, status, code, head + "; check the " + (call.chart()
                    ? "chart name and version" : "image name, tag or digest") + " and that the credentials for "
                    + call.registry() + " can see it", hint, null);
        }
        if (code.equals("BLOB_UPLOAD_UNKNOWN") || code.equals("BLOB_UPLOAD_INVALID") || status == 416
                || status == 404) {
            return new RegistryException(Reason.REGISTRY_REJECTED, false, status, code, head + "; the registry lost "
                    + "or cancelled the upload: the blob is uploaded again from its first byte", hint, null);
        }
        if (code.equals("DIGEST_INVALID")) {
            return new RegistryException(Reason.REGISTRY_REJECTED, false, status, code, head + "; the registry "
                    + "computed another digest than the verified bytes have: something between this service and "
                    + "the registry changed them (a proxy?)", hint, null);
        }
        if (status == 413) {
            return new RegistryException(Reason.REGISTRY_REJECTED, false, status, code, head + "; the request is "
                    + "larger than the registry (or a proxy in front of it) accepts: lower mirror.registry.chunk-size "
                    + "and mirror.registry.single-put-threshold", hint, null);
        }
        if (status >= 400 && status < 500) {
            return new RegistryException(Reason.REGISTRY_REJECTED, false, status, code, head + "; the registry "
                    + "refused it", hint, null);
        }
        return new RegistryException(Reason.REGISTRY_PROTOCOL, false, status, code, head + ": unexpected answer",
                hint, null);
    }

    /** A failure below HTTP (connect, cut, stall), or a reader's own failure passed through. */
    static RuntimeException connection(RegistryCall call, URI url, Throwable t) {
        if (t instanceof RuntimeException r && !(t instanceof java.util.concurrent.CompletionException)) {
            return r;
        }
        Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
                ? t.getCause() : t;
        if (cause instanceof RuntimeException r) {
            return r;
        }
        String detail = cause instanceof HttpFailure f ? f.getMessage() : cause.getClass().getSimpleName() + ": "
                + cause.getMessage();
        boolean tls = cause instanceof HttpFailure f && f.kind() == HttpFailure.Kind.TLS;
        return new RegistryException(Reason.REGISTRY_CONNECTION, !tls, 0, "", call.describe() + ": " + quote(detail)
                + " (" + redacted(url) + ")" + (tls ? "; the TLS handshake failed: trust the registry's CA with "
                + "mirror.registry.trust-certificates" : "; check network access (proxy, firewall, DNS)"), null,
                cause);
    }

    /** An answer that breaks the protocol. */
    static RegistryException protocol(RegistryCall call, String detail) {
        return new RegistryException(Reason.REGISTRY_PROTOCOL, 0, call.describe() + ": " + detail);
    }

    /** A refused redirect. */
    static RegistryException redirectRefused(RegistryCall call, String detail) {
        return new RegistryException(Reason.REDIRECT_REFUSED, 0, call.describe() + ": " + detail
                + "; nothing was sent there");
    }

    /**
     * A failure marked as the last of {@code attempts}: no longer retriable (a caller that retries itself, around a
     * request that already ran out of attempts, does not multiply them); its reason still says whether trying later
     * may help.
     */
    static RegistryException exhausted(RegistryException e, int attempts) {
        return new RegistryException(e.reason(), false, e.status(), e.code(), e.getMessage() + " (gave up "
                + "after " + attempts + " attempts)", null, e);
    }
}
