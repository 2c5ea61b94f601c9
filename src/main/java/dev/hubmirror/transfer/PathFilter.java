package dev.hubmirror.transfer;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Include/exclude patterns with huggingface_hub's {@code filter_repo_objects} semantics: Python
 * {@code fnmatch.fnmatchcase} (case-sensitive; {@code *} crosses {@code /}; {@code ?}; {@code [seq]}, {@code [!seq]}),
 * backslashes normalised to {@code /} in patterns and paths, and a pattern ending in {@code /} means everything in
 * that folder. A path is selected when it matches at least one include pattern (or there are none) and no exclude
 * pattern.
 *
 * <p>One deliberate difference: huggingface_hub treats an empty allow list as "allow nothing"; here an empty include
 * list means "no include filter", because a JSON request cannot tell "absent" from "empty" conveniently.
 */
public final class PathFilter {

    private final List<Pattern> include;
    private final List<Pattern> exclude;

    private PathFilter(List<Pattern> include, List<Pattern> exclude) {
        this.include = include;
        this.exclude = exclude;
    }

    /** Compiles the patterns; throws {@link IllegalArgumentException} for an empty pattern or one with NUL. */
    public static PathFilter of(List<String> include, List<String> exclude) {
        return new PathFilter(compile(include, "include"), compile(exclude, "exclude"));
    }

    /** Whether the path is selected. */
    public boolean accepts(String path) {
        String p = path.replace('\\', '/');
        if (!include.isEmpty() && include.stream().noneMatch(r -> r.matcher(p).matches())) {
            return false;
        }
        return exclude.stream().noneMatch(r -> r.matcher(p).matches());
    }

    private static List<Pattern> compile(List<String> patterns, String what) {
        if (patterns == null) {
            return List.of();
        }
        return patterns.stream().map(p -> {
            if (p == null || p.isEmpty() || p.indexOf('\0') >= 0) {
                throw new IllegalArgumentException(what + " pattern '" + (p == null ? "null" : p.replace("\0", "\\0"))
                        + "' is invalid: use a non-empty glob such as '*.safetensors' or 'onnx/'");
            }
            String normalised = p.replace('\\', '/');
            if (normalised.endsWith("/")) {
                normalised = normalised + "*";
            }
            return Pattern.compile(translate(normalised), Pattern.DOTALL);
        }).toList();
    }

    /** Python's {@code fnmatch.translate}, without its anchoring suffix (we use {@code matches()}). */
    static String translate(String pat) {
        StringBuilder re = new StringBuilder();
        int i = 0;
        int n = pat.length();
        while (i < n) {
            char c = pat.charAt(i++);
            if (c == '*') {
                while (i < n && pat.charAt(i) == '*') {
                    i++;
                }
                re.append(".*");
            } else if (c == '?') {
                re.append('.');
            } else if (c == '[') {
                int j = i;
                if (j < n && pat.charAt(j) == '!') {
                    j++;
                }
                if (j < n && pat.charAt(j) == ']') {
                    j++;
                }
                while (j < n && pat.charAt(j) != ']') {
                    j++;
                }
                if (j >= n) {
                    re.append("\\[");
                } else {
                    String stuff = pat.substring(i, j);
                    i = j + 1;
                    re.append(charClass(stuff));
                }
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }

    private static String charClass(String stuff) {
        boolean negate = stuff.startsWith("!");
        String body = negate ? stuff.substring(1) : stuff;
        if (body.isEmpty()) {
            // "[!]" matches any single character in Python; "[]" cannot occur here.
            return negate ? "." : "(?!)";
        }
        StringBuilder out = new StringBuilder("[");
        if (negate) {
            out.append('^');
        }
        for (int k = 0; k < body.length(); k++) {
            char ch = body.charAt(k);
            if (ch == '-' && k > 0 && k < body.length() - 1) {
                out.append('-');
            } else if (Character.isLetterOrDigit(ch)) {
                out.append(ch);
            } else {
                out.append('\\').append(ch);
            }
        }
        return out.append(']').toString();
    }
}
