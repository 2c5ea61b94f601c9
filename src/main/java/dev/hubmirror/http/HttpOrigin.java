package dev.hubmirror.http;

import java.net.URI;
import java.util.Locale;

/**
 * Where a connection goes: scheme, host and port. Connections are pooled per origin; a URL that names no port gets its
 * scheme's default.
 *
 * @param scheme {@code http} or {@code https}, lower case
 * @param host   the host name or literal address as the URL names it, lower case, without brackets
 * @param port   the port, never -1
 */
public record HttpOrigin(String scheme, String host, int port) {

    /**
     * Validates the values.
     *
     * @throws IllegalArgumentException for another scheme, no host or a port out of range
     */
    public HttpOrigin {
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("only http and https URLs are supported, got scheme '" + scheme + "'");
        }
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("a URL without a host cannot be requested");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range");
        }
    }

    /** The origin of an absolute http(s) URL. */
    public static HttpOrigin of(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        String host = url.getHost();
        if (host != null && host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = url.getPort() != -1 ? url.getPort() : "https".equals(scheme) ? 443 : 80;
        return new HttpOrigin(scheme, host == null ? null : host.toLowerCase(Locale.ROOT), port);
    }

    /** Whether connections to this origin use TLS. */
    public boolean secure() {
        return scheme.equals("https");
    }

    /** The {@code Host} header value: the host, and the port unless it is the scheme's default. */
    public String authority() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return port == (secure() ? 443 : 80) ? h : h + ":" + port;
    }

    @Override
    public String toString() {
        return scheme + "://" + authority();
    }
}
