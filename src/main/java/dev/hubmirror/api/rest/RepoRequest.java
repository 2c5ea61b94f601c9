package dev.hubmirror.api.rest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One repo to mirror, with its type, revision and file patterns. {@code allow_patterns} and {@code ignore_patterns}
 * (huggingface_hub's names) are aliases of {@code include} and {@code exclude}; naming both forms of one is refused.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(description = "A repo to mirror")
public record RepoRequest(
        @Schema(description = "Repo id, org/name", examples = "org/ds", required = true) String id,
        @Schema(description = "model (default), dataset or space", examples = "dataset") String type,
        @Schema(description = "Branch, tag, 40-hex commit or refs/pr/N; default main", examples = "main")
        String revision,
        @Schema(description = "huggingface_hub allow patterns; empty means every file")
        List<String> include,
        @Schema(description = "huggingface_hub ignore patterns") List<String> exclude,
        @JsonProperty("allow_patterns") @Schema(description = "Alias of include (huggingface_hub's name)")
        List<String> allowPatterns,
        @JsonProperty("ignore_patterns") @Schema(description = "Alias of exclude (huggingface_hub's name)")
        List<String> ignorePatterns) {

    /** A repo named with {@code include} and {@code exclude}. */
    public RepoRequest(String id, String type, String revision, List<String> include, List<String> exclude) {
        this(id, type, revision, include, exclude, null, null);
    }

    /**
     * The include patterns, from {@code include} or {@code allow_patterns}.
     *
     * @throws IllegalArgumentException when both are given
     */
    List<String> includePatterns() {
        return either("include", include, "allow_patterns", allowPatterns);
    }

    /**
     * The exclude patterns, from {@code exclude} or {@code ignore_patterns}.
     *
     * @throws IllegalArgumentException when both are given
     */
    List<String> excludePatterns() {
        return either("exclude", exclude, "ignore_patterns", ignorePatterns);
    }

    private static List<String> either(String name, List<String> value, String alias, List<String> aliased) {
        if (value != null && aliased != null) {
            throw new IllegalArgumentException("both '" + name + "' and '" + alias + "' are given: they are the same "
                    + "field, give one of them");
        }
        return value != null ? value : aliased;
    }
}
