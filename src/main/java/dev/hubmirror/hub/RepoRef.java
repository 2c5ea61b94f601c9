package dev.hubmirror.hub;

import java.util.regex.Pattern;

/** A repository at a revision as a caller named it: a branch, tag, full commit sha or {@code refs/pr/N}. */
public record RepoRef(HfRepoId id, RepoType type, String revision) {

    /**
     * Git ref names ({@code git check-ref-format}): no control characters, spaces, {@code ..}, {@code ~^:?*[\}, no
     * leading or trailing slash, no component that starts with {@code .} or ends with {@code .lock}. The revision
     * becomes the store key {@code refs/<revision>}, so these rules also keep every component of that key a plain
     * name (never empty, {@code .} or {@code ..}).
     */
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/+-]{0,254}");

    public RepoRef {
        if (revision == null || revision.isBlank()) {
            revision = "main";
        }
        if (!REVISION.matcher(revision).matches() || revision.contains("..") || revision.contains("//")
                || revision.endsWith("/") || revision.endsWith(".") || !plainComponents(revision)) {
            String shown = revision.length() > 120 ? revision.substring(0, 120) + "..." : revision;
            throw new IllegalArgumentException("revision '" + shown.replaceAll("\\p{Cntrl}", "?")
                    + "' is invalid: expected a branch, tag, 40-hex commit sha or refs/pr/N (at most 255 characters)");
        }
    }

    /** Whether no {@code /}-separated component starts with {@code .} or ends with {@code .lock}. */
    private static boolean plainComponents(String revision) {
        for (String component : revision.split("/", -1)) {
            if (component.isEmpty() || component.startsWith(".") || component.endsWith(".lock")) {
                return false;
            }
        }
        return true;
    }

    public static RepoRef model(String id, String revision) {
        return new RepoRef(HfRepoId.parse(id), RepoType.MODEL, revision);
    }

    @Override
    public String toString() {
        return type.singular() + ":" + id + "@" + revision;
    }
}
