package dev.hubmirror.hub;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The Hub's base URL ({@code mirror.hub.endpoint}): builds the API and file URLs this client calls, percent-encoding
 * every variable part, and knows the Hub's origin (the only place the token is sent to).
 */
final class HubEndpoint {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final URI base;
    private final String baseText;

    HubEndpoint(String endpoint) {
        URI parsed;
        try {
            parsed = new URI(endpoint == null ? "" : endpoint.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("mirror.hub.endpoint '" + endpoint + "' is not a URL: " + e.getReason(), e);
        }
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || parsed.getHost() == null
                || parsed.getRawQuery() != null || parsed.getRawFragment() != null || parsed.getRawUserInfo() != null) {
            throw new IllegalArgumentException("mirror.hub.endpoint '" + endpoint
                    + "' is invalid: expected http(s)://host[:port][/path], e.g. https://huggingface.co");
        }
        String path = parsed.getRawPath() == null ? "" : parsed.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        this.base = URI.create(scheme + "://" + parsed.getRawAuthority() + path);
        this.baseText = base.toString();
    }

    /** {@code https://huggingface.co} (no trailing slash). */
    URI base() {
        return base;
    }

    /** {@code /api/{type}s/{id}/revision/{revision}}, the revision encoded as one path segment. */
    URI revisionUrl(RepoRef ref) {
        return URI.create(baseText + "/api/" + ref.type().plural() + "/" + ref.id().id() + "/revision/"
                + encodeSegment(ref.revision()));
    }

    /** {@code /api/{type}s/{id}/tree/{commit}?recursive=true&limit=N}. */
    URI treeUrl(RepoRef ref, String commit, int pageSize) {
        return URI.create(baseText + "/api/" + ref.type().plural() + "/" + ref.id().id() + "/tree/"
                + encodeSegment(commit) + "?recursive=true&limit=" + pageSize);
    }

    /** {@code /{type prefix}{id}/resolve/{commit}/{path}}, each path segment encoded. */
    URI resolveUrl(RepoRef ref, String commit, String path) {
        return URI.create(baseText + "/" + ref.type().urlPrefix() + ref.id().id() + "/resolve/"
                + encodeSegment(commit) + "/" + encodePath(path));
    }

    /** {@code /api/whoami-v2}: who the token belongs to. */
    URI whoamiUrl() {
        return URI.create(baseText + "/api/whoami-v2");
    }

    /** The page where a user requests access to a gated repo: {@code {endpoint}/{type prefix}{id}}. */
    String repoPage(RepoRef ref) {
        return baseText + "/" + ref.type().urlPrefix() + ref.id().id();
    }

    /** Whether {@code url} has the Hub's scheme, host and port: only such URLs get the token. */
    boolean isOrigin(URI url) {
        return scheme(url).equals(scheme(base)) && sameHost(url) && port(url) == port(base);
    }

    /** Whether {@code url}'s host is the Hub's host (any port, any scheme). */
    boolean sameHost(URI url) {
        return url.getHost() != null && url.getHost().equalsIgnoreCase(base.getHost());
    }

    /** Whether the endpoint is https (then a redirect to plain http is refused). */
    boolean secure() {
        return scheme(base).equals("https");
    }

    /** The port a URL connects to, its scheme's default when it names none. */
    static int port(URI url) {
        if (url.getPort() != -1) {
            return url.getPort();
        }
        return scheme(url).equals("https") ? 443 : 80;
    }

    static String scheme(URI url) {
        return url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    }

    /** {@code scheme://host[:port]/path} of a URL, never its query: safe to put in a message or a log. */
    static String redacted(URI url) {
        String path = url.getRawPath() == null ? "" : url.getRawPath();
        return scheme(url) + "://" + url.getRawAuthority() + path + (url.getRawQuery() == null ? "" : "?<redacted>");
    }

    /** Percent-encodes a string as one path segment: UTF-8, everything but RFC 3986 unreserved characters. */
    static String encodeSegment(String segment) {
        byte[] bytes = segment.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length + 16);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return out.toString();
    }

    /** Percent-encodes a {@code /}-separated repo path segment by segment (spaces become {@code %20}). */
    static String encodePath(String path) {
        String[] segments = path.split("/", -1);
        StringBuilder out = new StringBuilder(path.length() + 16);
        for (int i = 0; i < segments.length; i++) {
            if (i > 0) {
                out.append('/');
            }
            out.append(encodeSegment(segments[i]));
        }
        return out.toString();
    }
}
