package dev.hubmirror.hub;

import java.util.regex.Pattern;

/**
 * A Hub repository id, {@code org/name} or a legacy bare {@code name}. Validated like huggingface_hub's
 * {@code validate_repo_id}: letters, digits, {@code -_.}, no {@code --} or {@code ..}, no leading or trailing
 * {@code -.}, at most 96 characters per part.
 */
public record HfRepoId(String namespace, String name) {

    private static final Pattern PART = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,95}");

    public HfRepoId {
        if (namespace != null) {
            checkPart(namespace, namespace + "/" + name);
        }
        checkPart(name, namespace == null ? name : namespace + "/" + name);
    }

    /** Parses {@code org/name} or {@code name}; throws {@link IllegalArgumentException} with a clear message. */
    public static HfRepoId parse(String id) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("repo id is empty: expected 'org/name'");
        }
        String[] parts = id.split("/", -1);
        if (parts.length == 1) {
            return new HfRepoId(null, parts[0]);
        }
        if (parts.length == 2) {
            return new HfRepoId(parts[0], parts[1]);
        }
        throw new IllegalArgumentException("repo id '" + printable(id) + "' has more than one '/': expected 'org/name'");
    }

    private static void checkPart(String part, String whole) {
        if (part == null || !PART.matcher(part).matches() || part.contains("--") || part.contains("..")
                || part.endsWith("-") || part.endsWith(".")) {
            throw new IllegalArgumentException("repo id '" + printable(whole)
                    + "' is invalid: use letters, digits, '-', '_', '.', at most 96 characters per part, "
                    + "no '--' or '..', not starting or ending with '-' or '.'");
        }
    }

    private static String printable(String s) {
        String cut = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    /** {@code org/name} (or {@code name}). */
    public String id() {
        return namespace == null ? name : namespace + "/" + name;
    }

    /** The cache folder for this repo: {@code models--org--name}. */
    public String cacheFolder(RepoType type) {
        return type.plural() + "--" + id().replace("/", "--");
    }

    @Override
    public String toString() {
        return id();
    }
}
