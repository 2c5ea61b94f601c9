package dev.hubmirror.hub;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads the {@code rel="next"} target of HTTP {@code Link} headers (RFC 8288), as the Hub paginates tree listings:
 * {@code Link: <https://huggingface.co/api/models/x/tree/sha?recursive=true&cursor=abc>; rel="next"}. Tolerates several
 * header lines, several comma-separated links per line, commas and semicolons inside the {@code <...>} target, quoted
 * and unquoted parameters, extra whitespace and several relation types in one {@code rel}. Malformed links are
 * skipped.
 */
final class LinkHeader {

    private LinkHeader() {
    }

    /** The target of the first link whose {@code rel} includes {@code next}, as written (maybe relative). */
    static Optional<String> next(List<String> headerValues) {
        if (headerValues == null) {
            return Optional.empty();
        }
        for (String value : headerValues) {
            if (value == null) {
                continue;
            }
            Optional<String> next = next(value);
            if (next.isPresent()) {
                return next;
            }
        }
        return Optional.empty();
    }

    /** The target of the first link in one header value whose {@code rel} includes {@code next}. */
    static Optional<String> next(String value) {
        int i = 0;
        int n = value.length();
        while (i < n) {
            int open = value.indexOf('<', i);
            if (open < 0) {
                return Optional.empty();
            }
            int close = value.indexOf('>', open + 1);
            if (close < 0) {
                return Optional.empty();
            }
            String target = value.substring(open + 1, close).trim();
            i = close + 1;
            boolean next = false;
            // parameters up to the next comma outside quotes
            while (i < n) {
                i = skipSpaces(value, i);
                if (i >= n) {
                    break;
                }
                char c = value.charAt(i);
                if (c == ',') {
                    i++;
                    break;
                }
                if (c != ';') {
                    // garbage between links: skip to the next comma outside quotes
                    i = skipToComma(value, i);
                    continue;
                }
                i = skipSpaces(value, i + 1);
                int nameStart = i;
                while (i < n && isTokenChar(value.charAt(i))) {
                    i++;
                }
                String name = value.substring(nameStart, i).toLowerCase(Locale.ROOT);
                i = skipSpaces(value, i);
                String paramValue = "";
                if (i < n && value.charAt(i) == '=') {
                    i = skipSpaces(value, i + 1);
                    if (i < n && value.charAt(i) == '"') {
                        StringBuilder quoted = new StringBuilder();
                        i++;
                        while (i < n && value.charAt(i) != '"') {
                            if (value.charAt(i) == '\\' && i + 1 < n) {
                                i++;
                            }
                            quoted.append(value.charAt(i));
                            i++;
                        }
                        i = Math.min(n, i + 1);
                        paramValue = quoted.toString();
                    } else {
                        int valueStart = i;
                        while (i < n && value.charAt(i) != ';' && value.charAt(i) != ',') {
                            i++;
                        }
                        paramValue = value.substring(valueStart, i).trim();
                    }
                }
                if (name.equals("rel")) {
                    for (String rel : paramValue.trim().split("\\s+")) {
                        if (rel.equalsIgnoreCase("next")) {
                            next = true;
                        }
                    }
                }
            }
            if (next && !target.isEmpty()) {
                return Optional.of(target);
            }
        }
        return Optional.empty();
    }

    private static int skipSpaces(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static int skipToComma(String s, int i) {
        boolean quoted = false;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                return i;
            }
            i++;
        }
        return i;
    }

    private static boolean isTokenChar(char c) {
        return c > ' ' && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
    }
}
