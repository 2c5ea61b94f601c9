package dev.hubmirror.registry;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One {@code WWW-Authenticate} challenge of a registry: {@code Bearer realm="https://ghcr.io/token",
 * service="ghcr.io",scope="repository:org/name:pull"} (the token flow of the distribution spec) or
 * {@code Basic realm="..."}. Parameters are {@code name=value} or {@code name="quoted value"} (with {@code \}
 * escapes), separated by commas; commas inside quotes belong to the value (scopes list actions with them).
 *
 * @param scheme {@code bearer} or {@code basic} (lower case), or another scheme this client does not speak
 * @param params the parameters, names in lower case
 */
public record Challenge(String scheme, Map<String, String> params) {

    /** Copies the parameters. */
    public Challenge {
        params = Map.copyOf(params);
    }

    /** Whether this is a bearer-token challenge. */
    public boolean bearer() {
        return scheme.equals("bearer");
    }

    /** Whether this is a basic-authentication challenge. */
    public boolean basic() {
        return scheme.equals("basic");
    }

    /** A parameter, if present. */
    public Optional<String> param(String name) {
        return Optional.ofNullable(params.get(name));
    }

    /**
     * Parses the first challenge of a {@code WWW-Authenticate} header; empty when the header is missing or has no
     * scheme. Malformed parameters end the parameter list (what was read so far is kept).
     */
    public static Optional<Challenge> parse(String header) {
        if (header == null) {
            return Optional.empty();
        }
        String h = header.trim();
        int i = 0;
        while (i < h.length() && !Character.isWhitespace(h.charAt(i)) && h.charAt(i) != ',') {
            i++;
        }
        if (i == 0) {
            return Optional.empty();
        }
        String scheme = h.substring(0, i).toLowerCase(Locale.ROOT);
        Map<String, String> params = new LinkedHashMap<>();
        while (i < h.length()) {
            while (i < h.length() && (Character.isWhitespace(h.charAt(i)) || h.charAt(i) == ',')) {
                i++;
            }
            int nameStart = i;
            while (i < h.length() && h.charAt(i) != '=' && h.charAt(i) != ',' && !Character.isWhitespace(h.charAt(i))) {
                i++;
            }
            if (i >= h.length() || h.charAt(i) != '=' || i == nameStart) {
                break;
            }
            String name = h.substring(nameStart, i).toLowerCase(Locale.ROOT);
            i++;
            StringBuilder value = new StringBuilder();
            if (i < h.length() && h.charAt(i) == '"') {
                i++;
                boolean closed = false;
                while (i < h.length()) {
                    char c = h.charAt(i++);
                    if (c == '\\' && i < h.length()) {
                        value.append(h.charAt(i++));
                    } else if (c == '"') {
                        closed = true;
                        break;
                    } else {
                        value.append(c);
                    }
                }
                if (!closed) {
                    break;
                }
            } else {
                while (i < h.length() && h.charAt(i) != ',' && !Character.isWhitespace(h.charAt(i))) {
                    value.append(h.charAt(i++));
                }
            }
            params.putIfAbsent(name, value.toString());
        }
        return Optional.of(new Challenge(scheme, params));
    }
}
