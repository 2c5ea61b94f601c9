package dev.hubmirror.bootstrap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the Hub token where {@code huggingface_hub} ({@code get_token()}) finds it, in its order: {@code HF_TOKEN}
 * (then the legacy {@code HUGGING_FACE_HUB_TOKEN}), then the token file {@code HF_TOKEN_PATH}, else
 * {@code $HF_HOME/token}, else {@code $XDG_CACHE_HOME/huggingface/token}, else {@code ~/.cache/huggingface/token}.
 * Like {@code _clean_token}, carriage returns and newlines are removed anywhere and surrounding blanks trimmed; a value
 * that is then empty counts as no token (an empty or blank {@code HF_TOKEN} falls through to the file). Like
 * {@code constants.py}, the paths get {@code ~} and {@code $VAR}/{@code ${VAR}} expanded. A token file that does not
 * exist means no token; one that exists but cannot be read is an error (as {@code huggingface_hub} raises it).
 */
final class HfTokenLookup {

    /** Where a token was found: the token and a description of its source (never the token). */
    record Found(String token, String source) {

        @Override
        public String toString() {
            return "Found[source=" + source + "]";
        }
    }

    private static final Pattern VARIABLE = Pattern.compile("\\$(?:\\{([^}]*)}|([A-Za-z_][A-Za-z0-9_]*))");

    private HfTokenLookup() {
    }

    /**
     * The token and where it came from, or empty when there is none.
     *
     * @param env      the environment (a variable's value, or {@code null} when unset)
     * @param userHome the user's home directory, for {@code ~}
     * @throws UncheckedIOException when a token file exists but cannot be read
     */
    static Optional<Found> find(UnaryOperator<String> env, String userHome) {
        String fromEnv = firstSet(env.apply("HF_TOKEN"), env.apply("HUGGING_FACE_HUB_TOKEN"));
        Optional<String> cleaned = clean(fromEnv);
        if (cleaned.isPresent()) {
            String name = isSet(env.apply("HF_TOKEN")) ? "HF_TOKEN" : "HUGGING_FACE_HUB_TOKEN";
            return Optional.of(new Found(cleaned.get(), "env " + name));
        }
        Path file = tokenPath(env, userHome);
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("the Hub token file " + file + " exists but cannot be read ("
                    + e.getClass().getSimpleName() + "): fix its permissions, or set HF_TOKEN or HF_TOKEN_PATH", e);
        }
        return clean(content).map(token -> new Found(token, "file " + file));
    }

    /** {@code HF_TOKEN_PATH}, else {@code <HF_HOME>/token}, expanded as huggingface_hub expands them. */
    static Path tokenPath(UnaryOperator<String> env, String userHome) {
        String explicit = env.apply("HF_TOKEN_PATH");
        if (isSet(explicit)) {
            return Path.of(expand(explicit, env, userHome));
        }
        return Path.of(expand(hfHome(env, userHome), env, userHome), "token");
    }

    private static String hfHome(UnaryOperator<String> env, String userHome) {
        String home = env.apply("HF_HOME");
        if (isSet(home)) {
            return home;
        }
        String cache = env.apply("XDG_CACHE_HOME");
        String base = isSet(cache) ? cache : Path.of(userHome, ".cache").toString();
        return Path.of(base, "huggingface").toString();
    }

    /** Python's {@code os.path.expandvars(os.path.expanduser(path))}: unknown variables stay as written. */
    static String expand(String path, UnaryOperator<String> env, String userHome) {
        String p = path;
        if (p.equals("~") || p.startsWith("~/")) {
            p = userHome + p.substring(1);
        }
        Matcher m = VARIABLE.matcher(p);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            String value = env.apply(name);
            m.appendReplacement(out, Matcher.quoteReplacement(value == null ? m.group() : value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** {@code _clean_token}: no CR/LF anywhere, trimmed; empty means none. */
    static Optional<String> clean(String token) {
        if (token == null) {
            return Optional.empty();
        }
        String t = token.replace("\r", "").replace("\n", "").strip();
        return t.isEmpty() ? Optional.empty() : Optional.of(t);
    }

    /** Python's {@code a or b} for environment values: the first non-empty one. */
    private static String firstSet(String first, String second) {
        return isSet(first) ? first : second;
    }

    private static boolean isSet(String value) {
        return value != null && !value.isEmpty();
    }
}
