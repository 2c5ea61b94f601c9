package dev.hubmirror.http;

import io.netty.util.NetUtil;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which forward proxy a connection goes through: the proxy for https targets (reached with {@code CONNECT}, so it
 * sees neither the bytes nor the token in clear), the proxy for plain-http targets (sent absolute-form requests), and
 * the targets that bypass both ({@code NO_PROXY}). As curl and huggingface_hub read them: {@code HTTPS_PROXY},
 * {@code HTTP_PROXY}, {@code NO_PROXY} and their lower-case forms (lower case wins), each overridden by an explicit
 * value (a config key). Shared by every client of the service that talks to the outside (the Hub, and S3/GCS
 * endpoints when their clients are wired to it).
 *
 * <p>A proxy is {@code http://[user:password@]host[:port]} (port 80 when none is given; {@code host:port} without a
 * scheme is read as {@code http://host:port}); credentials come from a separate secret or, failing that, from the URL,
 * and are sent as {@code Proxy-Authorization: Basic}. They never appear in {@link #toString()}, in a log or in a message.
 *
 * <p>{@code NO_PROXY} entries, separated by commas or spaces: {@code *} (no proxy at all); a host name, which matches
 * itself and every subdomain ({@code example.com} and {@code .example.com} both match {@code example.com} and
 * {@code cdn.example.com}); an IP literal; a CIDR block ({@code 10.0.0.0/8}, {@code fd00::/8}), which matches
 * targets written as IP literals (names are not resolved for this); each optionally with {@code :port}.
 *
 * @param https    the proxy for https targets
 * @param http     the proxy for plain-http targets
 * @param noProxy  the targets that go direct
 */
public record ProxySettings(Optional<Proxy> https, Optional<Proxy> http, List<NoProxyEntry> noProxy) {

    /** No proxy: every connection goes direct. */
    public static final ProxySettings NONE = new ProxySettings(Optional.empty(), Optional.empty(), List.of());

    public ProxySettings {
        noProxy = List.copyOf(noProxy);
    }

    /** A forward proxy: where it listens, and the credentials sent to it (never printed). */
    public record Proxy(String host, int port, Optional<String> username, Optional<String> password) {

        /** The {@code Proxy-Authorization} value, when there are credentials. */
        public Optional<String> authorization() {
            return username.map(u -> "Basic " + Base64.getEncoder().encodeToString((u + ":" + password.orElse(""))
                    .getBytes(StandardCharsets.UTF_8)));
        }

        /** {@code http://host:port}, with {@code (with credentials)} when it has some, never the credentials. */
        @Override
        public String toString() {
            return "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port
                    + (username.isPresent() ? " (with credentials)" : "");
        }
    }

    /** One {@code NO_PROXY} entry. */
    public record NoProxyEntry(String text, String suffix, byte[] network, int prefixBits, int port) {

        boolean matches(HttpOrigin target) {
            if (port != -1 && port != target.port()) {
                return false;
            }
            if (network != null) {
                byte[] ip = literal(target.host());
                return ip != null && ip.length == network.length && inPrefix(ip);
            }
            String host = target.host();
            return host.equals(suffix) || host.endsWith("." + suffix);
        }

        private boolean inPrefix(byte[] ip) {
            int bits = prefixBits;
            for (int i = 0; i < ip.length && bits > 0; i++, bits -= 8) {
                int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
                if ((ip[i] & mask) != (network[i] & mask)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /** The proxy {@code target} goes through, or empty to go direct. */
    public Optional<Proxy> forTarget(HttpOrigin target) {
        Optional<Proxy> proxy = target.secure() ? https : http;
        if (proxy.isEmpty()) {
            return proxy;
        }
        for (NoProxyEntry entry : noProxy) {
            if (entry.text().equals("*") || entry.matches(target)) {
                return Optional.empty();
            }
        }
        return proxy;
    }

    /**
     * The settings from explicit values (config keys; empty ones fall back to the environment) and the environment.
     *
     * @param environment {@code System::getenv}, or a test's map
     * @throws IllegalArgumentException naming the value that is wrong (never its credentials)
     */
    public static ProxySettings resolve(Optional<String> httpsProxy, Optional<String> httpProxy,
            Optional<String> noProxy, Optional<String> username, Optional<String> password,
            Function<String, String> environment) {
        Optional<String> https = firstSet(httpsProxy, environment, "https_proxy", "HTTPS_PROXY");
        Optional<String> http = firstSet(httpProxy, environment, "http_proxy", "HTTP_PROXY");
        Optional<String> bypass = firstSet(noProxy, environment, "no_proxy", "NO_PROXY");
        Optional<String> user = username.map(String::trim).filter(s -> !s.isEmpty());
        Optional<String> secret = password.filter(s -> !s.isEmpty());
        return new ProxySettings(https.map(s -> parseProxy("HTTPS_PROXY", s, user, secret)),
                http.map(s -> parseProxy("HTTP_PROXY", s, user, secret)),
                bypass.map(ProxySettings::parseNoProxy).orElse(List.of()));
    }

    /** {@link #resolve} on the process environment. */
    public static ProxySettings resolve(Optional<String> httpsProxy, Optional<String> httpProxy,
            Optional<String> noProxy, Optional<String> username, Optional<String> password) {
        return resolve(httpsProxy, httpProxy, noProxy, username, password, System::getenv);
    }

    /** The settings of {@code environment} alone. */
    public static ProxySettings fromEnvironment(Map<String, String> environment) {
        return resolve(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                environment::get);
    }

    private static Optional<String> firstSet(Optional<String> explicit, Function<String, String> environment,
            String lower, String upper) {
        if (explicit.isPresent() && !explicit.get().isBlank()) {
            return explicit.map(String::trim);
        }
        for (String name : new String[] {lower, upper}) {
            String value = environment.apply(name);
            if (value != null && !value.isBlank()) {
                return Optional.of(value.trim());
            }
        }
        return Optional.empty();
    }

    static Proxy parseProxy(String what, String value, Optional<String> username, Optional<String> password) {
        String text = value.contains("://") ? value : "http://" + value;
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(what + " is not a proxy URL (expected http://host:port)");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http")) {
            throw new IllegalArgumentException(what + ": only http:// proxies are supported (https targets are tunnelled"
                    + " through them with CONNECT), got " + scheme + "://");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException(what + " names no proxy host (expected http://host:port)");
        }
        Optional<String> user = username;
        Optional<String> secret = password;
        if (uri.getRawUserInfo() != null && user.isEmpty()) {
            String info = uri.getRawUserInfo();
            int colon = info.indexOf(':');
            user = Optional.of(URLDecoder.decode(colon < 0 ? info : info.substring(0, colon), StandardCharsets.UTF_8));
            if (secret.isEmpty() && colon >= 0) {
                secret = Optional.of(URLDecoder.decode(info.substring(colon + 1), StandardCharsets.UTF_8));
            }
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = uri.getPort() == -1 ? 80 : uri.getPort();
        return new Proxy(host.toLowerCase(Locale.ROOT), port, user, secret);
    }

    static List<NoProxyEntry> parseNoProxy(String value) {
        List<NoProxyEntry> entries = new ArrayList<>();
        for (String raw : value.split("[,\\s]+")) {
            String entry = raw.trim().toLowerCase(Locale.ROOT);
            if (entry.isEmpty()) {
                continue;
            }
            if (entry.equals("*")) {
                entries.add(new NoProxyEntry("*", "", null, 0, -1));
                continue;
            }
            String hostPart = entry;
            int port = -1;
            if (entry.startsWith("[")) {
                int close = entry.indexOf(']');
                if (close < 0) {
                    throw invalidEntry(raw);
                }
                hostPart = entry.substring(1, close);
                port = portAfter(entry.substring(close + 1), raw);
            } else if (entry.indexOf(':') == entry.lastIndexOf(':') && entry.indexOf(':') > 0) {
                hostPart = entry.substring(0, entry.indexOf(':'));
                port = portAfter(entry.substring(entry.indexOf(':')), raw);
            }
            int slash = hostPart.indexOf('/');
            if (slash >= 0) {
                byte[] network = literal(hostPart.substring(0, slash));
                int bits;
                try {
                    bits = Integer.parseInt(hostPart.substring(slash + 1));
                } catch (NumberFormatException e) {
                    throw invalidEntry(raw);
                }
                if (network == null || bits < 0 || bits > network.length * 8) {
                    throw invalidEntry(raw);
                }
                entries.add(new NoProxyEntry(raw.trim(), "", network, bits, port));
                continue;
            }
            byte[] ip = literal(hostPart);
            if (ip != null) {
                entries.add(new NoProxyEntry(raw.trim(), "", ip, ip.length * 8, port));
                continue;
            }
            String suffix = hostPart.startsWith("*.") ? hostPart.substring(2)
                    : hostPart.startsWith(".") ? hostPart.substring(1) : hostPart;
            if (suffix.isEmpty()) {
                throw invalidEntry(raw);
            }
            entries.add(new NoProxyEntry(raw.trim(), suffix, null, 0, port));
        }
        return entries;
    }

    private static int portAfter(String rest, String raw) {
        if (rest.isEmpty()) {
            return -1;
        }
        if (!rest.startsWith(":")) {
            throw invalidEntry(raw);
        }
        try {
            int port = Integer.parseInt(rest.substring(1));
            if (port < 1 || port > 65535) {
                throw invalidEntry(raw);
            }
            return port;
        } catch (NumberFormatException e) {
            throw invalidEntry(raw);
        }
    }

    private static IllegalArgumentException invalidEntry(String raw) {
        return new IllegalArgumentException("NO_PROXY entry '" + raw + "' is invalid: use host, .domain, an IP, a "
                + "CIDR block (10.0.0.0/8) or *, each optionally with :port");
    }

    /** The bytes of an IP literal, or null for a name (parsed only, never resolved). */
    static byte[] literal(String host) {
        return host == null || host.isEmpty() ? null : NetUtil.createByteArrayFromIpAddressString(host);
    }

    /** Shows the proxies and the bypass list, never credentials. */
    @Override
    public String toString() {
        return "ProxySettings[https=" + https.map(Proxy::toString).orElse("none") + ", http="
                + http.map(Proxy::toString).orElse("none") + ", noProxy=" + noProxy + "]";
    }
}
