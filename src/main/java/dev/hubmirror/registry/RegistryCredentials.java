package dev.hubmirror.registry;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * User names and passwords per registry host: from a Docker config ({@code .dockerconfigjson}, the {@code regcred}
 * Secret of a cluster: {@code {"auths": {"host": {"auth": base64(user:pass)}}}}, or {@code username} and
 * {@code password} fields) and from explicit entries. They are sent to that registry's own origin, and to the token
 * realm its challenge names (as docker and skopeo do), never to any other host; {@link #toString()} and messages never
 * show them.
 */
public final class RegistryCredentials {

    /** No credentials: every registry is used anonymously. */
    public static final RegistryCredentials NONE = new RegistryCredentials(Map.of());

    /** A user name and password. */
    public record Basic(String username, String password) {

        /** The {@code Authorization} header value. */
        public String header() {
            return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password)
                    .getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return "Basic[" + username + ", ***]";
        }
    }

    private final Map<String, Basic> byHost;

    private RegistryCredentials(Map<String, Basic> byHost) {
        this.byHost = Map.copyOf(byHost);
    }

    /** The credentials for {@code registry} (a host as image references name it), if any. */
    public Optional<Basic> forRegistry(String registry) {
        String host = normalise(registry);
        Basic b = byHost.get(host);
        if (b == null && host.equals(ImageReference.DOCKER_HUB)) {
            b = byHost.get("index.docker.io");
        }
        return Optional.ofNullable(b);
    }

    /**
     * Every secret value these credentials hold: each password and each {@code Authorization} value's base64 form (a
     * Docker config's {@code auth} field), so that the service can redact them from whatever it records or logs.
     */
    public List<String> secrets() {
        List<String> values = new ArrayList<>();
        for (Basic basic : byHost.values()) {
            values.add(basic.password());
            values.add(basic.header().substring("Basic ".length()));
        }
        return values;
    }

    /** These credentials with {@code basic} for {@code registry} (replacing any). */
    public RegistryCredentials with(String registry, Basic basic) {
        Map<String, Basic> all = new HashMap<>(byHost);
        all.put(normalise(registry), basic);
        return new RegistryCredentials(all);
    }

    /** These credentials with every entry of {@code other} added (other's win for the same host). */
    public RegistryCredentials with(RegistryCredentials other) {
        Map<String, Basic> all = new HashMap<>(byHost);
        all.putAll(other.byHost);
        return new RegistryCredentials(all);
    }

    /**
     * Reads a Docker config file ({@code config.json} or a Secret's {@code .dockerconfigjson}).
     *
     * @throws IllegalArgumentException when it cannot be read or is not a Docker config (the message names the file,
     *     never its content)
     */
    public static RegistryCredentials fromDockerConfig(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the Docker config " + file + ": " + e.getMessage(), e);
        }
        return fromDockerConfig(bytes, file.toString());
    }

    /**
     * Parses a Docker config document.
     *
     * @param source names it in messages
     * @throws IllegalArgumentException when it is not a Docker config
     */
    public static RegistryCredentials fromDockerConfig(byte[] json, String source) {
        JsonObject config;
        try {
            config = new JsonObject(Buffer.buffer(json));
        } catch (DecodeException | ClassCastException e) {
            throw new IllegalArgumentException("the Docker config " + source + " is not a JSON object");
        }
        if (!(config.getValue("auths") instanceof JsonObject auths)) {
            throw new IllegalArgumentException("the Docker config " + source + " has no \"auths\" object");
        }
        Map<String, Basic> byHost = new HashMap<>();
        for (String key : auths.fieldNames()) {
            if (!(auths.getValue(key) instanceof JsonObject entry)) {
                throw new IllegalArgumentException("the Docker config " + source + ": the entry for '"
                        + Digest.printable(key) + "' is not an object");
            }
            Basic basic;
            if (entry.getValue("auth") instanceof String auth && !auth.isBlank()) {
                String decoded;
                try {
                    decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("the Docker config " + source + ": the \"auth\" of '"
                            + Digest.printable(key) + "' is not base64");
                }
                int colon = decoded.indexOf(':');
                if (colon <= 0) {
                    throw new IllegalArgumentException("the Docker config " + source + ": the \"auth\" of '"
                            + Digest.printable(key) + "' is not base64 of user:password");
                }
                basic = new Basic(decoded.substring(0, colon), decoded.substring(colon + 1));
            } else if (entry.getValue("username") instanceof String user && entry.getValue("password")
                    instanceof String password) {
                basic = new Basic(user, password);
            } else if (entry.containsKey("identitytoken")) {
                throw new IllegalArgumentException("the Docker config " + source + ": the entry for '"
                        + Digest.printable(key) + "' has only an identitytoken (an OAuth refresh token), which this "
                        + "service does not use: give a user name and password (a robot account) instead");
            } else {
                continue;
            }
            byHost.put(normalise(key), basic);
        }
        return new RegistryCredentials(byHost);
    }

    /** A Docker config key or registry name as a bare host[:port]: scheme and path dropped, lower case. */
    static String normalise(String key) {
        String k = key.trim().toLowerCase(Locale.ROOT);
        int scheme = k.indexOf("://");
        if (scheme >= 0) {
            k = k.substring(scheme + 3);
        }
        int slash = k.indexOf('/');
        if (slash >= 0) {
            k = k.substring(0, slash);
        }
        if (k.equals("index.docker.io") || k.equals("registry-1.docker.io")) {
            return ImageReference.DOCKER_HUB;
        }
        return k;
    }

    /** The hosts that have credentials (never the credentials). */
    @Override
    public String toString() {
        return "RegistryCredentials" + byHost.keySet();
    }
}
