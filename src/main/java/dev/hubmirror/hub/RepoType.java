package dev.hubmirror.hub;

import java.util.Locale;

/** The three kinds of Hub repository, with the URL and cache-folder spellings each uses. */
public enum RepoType {
    MODEL("models", "", "model"),
    DATASET("datasets", "datasets/", "dataset"),
    SPACE("spaces", "spaces/", "space");

    private final String plural;
    private final String urlPrefix;
    private final String singular;

    RepoType(String plural, String urlPrefix, String singular) {
        this.plural = plural;
        this.urlPrefix = urlPrefix;
        this.singular = singular;
    }

    /** {@code models}, {@code datasets}, {@code spaces}: the API segment and the cache folder prefix. */
    public String plural() {
        return plural;
    }

    /** The prefix of file URLs: empty for models, {@code datasets/} or {@code spaces/} otherwise. */
    public String urlPrefix() {
        return urlPrefix;
    }

    /** {@code model}, {@code dataset}, {@code space}: the spelling huggingface_hub's {@code repo_type} uses. */
    public String singular() {
        return singular;
    }

    /** Parses {@code model|dataset|space} (and their plurals), case-insensitive. */
    public static RepoType parse(String value) {
        if (value == null || value.isBlank()) {
            return MODEL;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        for (RepoType t : values()) {
            if (t.singular.equals(v) || t.plural.equals(v)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown repo type '" + value + "': use model, dataset or space");
    }
}
