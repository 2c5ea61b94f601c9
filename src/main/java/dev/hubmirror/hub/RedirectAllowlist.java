package dev.hubmirror.hub;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The hosts an absolute redirect may point to ({@code mirror.hub.redirect-allowlist}). An entry is
 * <ul>
 * <li>{@code *.example.com}: any subdomain of {@code example.com} at any depth, not {@code example.com} itself;</li>
 * <li>{@code cdn.example.com} or {@code 127.0.0.1}: exactly that host, any port;</li>
 * <li>{@code 127.0.0.1:8443}: exactly that host and port.</li>
 * </ul>
 * Matching ignores case and the scheme. Blank entries are ignored. The Hub's own host is always allowed by the client,
 * independently of this list.
 */
final class RedirectAllowlist {

    private record Entry(String host, boolean subdomains, int port) {

        boolean matches(String candidateHost, int candidatePort) {
            if (port != -1 && port != candidatePort) {
                return false;
            }
            if (subdomains) {
                return candidateHost.length() > host.length() + 1 && candidateHost.endsWith("." + host);
            }
            return candidateHost.equals(host);
        }
    }

    private final List<Entry> entries;

    RedirectAllowlist(List<String> patterns) {
        List<Entry> parsed = new ArrayList<>();
        if (patterns != null) {
            for (String pattern : patterns) {
                if (pattern != null && !pattern.isBlank()) {
                    parsed.add(parse(pattern.trim().toLowerCase(Locale.ROOT)));
                }
            }
        }
        this.entries = List.copyOf(parsed);
    }

    private static Entry parse(String pattern) {
        String host = pattern;
        int port = -1;
        int colon = pattern.lastIndexOf(':');
        if (colon > 0 && pattern.indexOf(':') == colon) {
            try {
                port = Integer.parseInt(pattern.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw invalid(pattern);
            }
            host = pattern.substring(0, colon);
        }
        boolean subdomains = host.startsWith("*.");
        if (subdomains) {
            host = host.substring(2);
        }
        if (host.isEmpty() || host.contains("*") || host.contains("/") || port == 0 || port > 65535) {
            throw invalid(pattern);
        }
        return new Entry(host, subdomains, port);
    }

    private static IllegalArgumentException invalid(String pattern) {
        return new IllegalArgumentException("mirror.hub.redirect-allowlist entry '" + pattern
                + "' is invalid: use host, host:port or *.domain");
    }

    /** Whether a redirect to {@code url} may be followed. */
    boolean allows(URI url) {
        String host = url.getHost();
        if (host == null) {
            return false;
        }
        String normalized = host.toLowerCase(Locale.ROOT);
        int port = HubEndpoint.port(url);
        for (Entry entry : entries) {
            if (entry.matches(normalized, port)) {
                return true;
            }
        }
        return false;
    }
}
