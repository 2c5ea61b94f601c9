package dev.hubmirror.failure;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Every secret the service is configured with (the Hub token, the named tokens, the API keys), and the one operation
 * that needs their values: {@link #redact} text that came from outside (a Hub path, a server's message, a header)
 * before it is recorded or logged. A hostile or misbehaving Hub may echo the token it was sent back in a path or an
 * error; the job error, the job list, the SSE stream, Kafka events and the log must still never show it.
 *
 * <p>What is removed: each secret's value, its percent-encoded forms (as it would appear in a URL), and a prefix of at
 * least {@value #MIN_FRAGMENT} characters of a secret that ends where a message cut a long value short ({@code
 * "..."}), so that truncation cannot leak most of a secret either. What cannot be removed: a secret that was
 * deliberately transformed (reversed, split, re-encoded) by a party that already holds it; such a party is the Hub the
 * token is sent to. Thread-safe; secrets may be {@linkplain #add added} after construction (a generated API key).
 */
public final class Secrets {

    /** What a secret is replaced with. */
    public static final String MARK = "<redacted>";
    /** Shortest prefix of a secret redacted before a {@code "..."} cut. */
    public static final int MIN_FRAGMENT = 4;
    /** The marker of a value cut short, as every message in this service writes it. */
    private static final String CUT = "...";

    /** No secrets: {@link #redact} returns its input. */
    public static final Secrets NONE = new Secrets(List.of());

    /** Every form to remove, longest first (so that a longer form is replaced before a shorter one inside it). */
    private volatile List<String> forms;

    private Secrets(List<String> forms) {
        this.forms = forms;
    }

    /** The given secrets; {@code null} and blank values are ignored, values are trimmed. */
    public static Secrets of(Collection<String> secrets) {
        Secrets s = new Secrets(List.of());
        secrets.forEach(s::add);
        return s;
    }

    /** Adds a secret (ignored when {@code null} or blank). */
    public synchronized void add(String secret) {
        if (this == NONE || secret == null || secret.isBlank()) {
            return;
        }
        String value = secret.trim();
        Set<String> all = new LinkedHashSet<>(forms);
        all.add(value);
        String form = URLEncoder.encode(value, StandardCharsets.UTF_8);
        all.add(form);
        all.add(form.replace("+", "%20"));
        List<String> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparingInt(String::length).reversed());
        forms = List.copyOf(sorted);
    }

    /** Whether no secret is known (then {@link #redact} changes nothing). */
    public boolean isEmpty() {
        return forms.isEmpty();
    }

    /** {@code text} with every known secret replaced by {@value #MARK}; {@code null} stays {@code null}. */
    public String redact(String text) {
        List<String> known = forms;
        if (text == null || known.isEmpty()) {
            return text;
        }
        String s = text;
        for (String form : known) {
            if (s.contains(form)) {
                s = s.replace(form, MARK);
            }
        }
        return s.contains(CUT) ? redactCutPrefixes(s, known) : s;
    }

    /** Replaces a secret's prefix that ends right before a {@code "..."} cut. */
    private static String redactCutPrefixes(String s, List<String> known) {
        StringBuilder out = new StringBuilder(s.length());
        int from = 0;
        for (int cut = s.indexOf(CUT); cut >= 0; cut = s.indexOf(CUT, cut + CUT.length())) {
            int length = longestPrefixEndingAt(s, from, cut, known);
            if (length > 0) {
                out.append(s, from, cut - length).append(MARK);
                from = cut;
            }
        }
        return from == 0 ? s : out.append(s, from, s.length()).toString();
    }

    private static int longestPrefixEndingAt(String s, int start, int end, List<String> known) {
        int best = 0;
        for (String form : known) {
            for (int k = Math.min(form.length() - 1, end - start); k >= MIN_FRAGMENT && k > best; k--) {
                if (s.regionMatches(end - k, form, 0, k)) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }
}
