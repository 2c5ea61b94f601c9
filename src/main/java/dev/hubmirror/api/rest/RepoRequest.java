package dev.hubmirror.api.rest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** One repo to mirror, with its type, revision and file patterns. */
@JsonIgnoreProperties(ignoreUnknown = true)
@Schema(description = "A repo to mirror")
public record RepoRequest(
        @Schema(description = "Repo id, org/name", examples = "org/ds", required = true) String id,
        @Schema(description = "model (default), dataset or space", examples = "dataset") String type,
        @Schema(description = "Branch, tag, 40-hex commit or refs/pr/N; default main", examples = "main")
        String revision,
        @Schema(description = "huggingface_hub allow patterns; empty means every file")
        List<String> include,
        @Schema(description = "huggingface_hub ignore patterns") List<String> exclude) {
}
