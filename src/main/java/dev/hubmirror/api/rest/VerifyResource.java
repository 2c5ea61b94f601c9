package dev.hubmirror.api.rest;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.HfRepoId;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.hub.RepoType;
import dev.hubmirror.transfer.PathFilter;
import dev.hubmirror.transfer.SnapshotVerifier;
import dev.hubmirror.transfer.VerifySpec;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code GET /v1/verify}: is the mirrored snapshot of a repo revision complete and intact in the store? Answers
 * "the bucket is missing the requested model" before an air-gapped cluster finds out. Reads only the store.
 */
@Path("/v1/verify")
@Tag(name = "verify")
@Produces(MediaType.APPLICATION_JSON)
public class VerifyResource {

    private final SnapshotVerifier verifier;

    public VerifyResource(SnapshotVerifier verifier) {
        this.verifier = verifier;
    }

    /** Verifies one repo revision in the store. */
    @GET
    @Operation(summary = "Verify a mirrored snapshot in the store",
            description = "Checks refs/<revision>, trees/<commit>.json and every file the tree lists (that include/"
                    + "exclude select: use the patterns of the mirror) under snapshots/<commit>/: present, with the "
                    + "listed size and the hash recorded when it was verified. deep=true re-reads and re-hashes every "
                    + "file. Answers 200 with status COMPLETE, INCOMPLETE, UNVERIFIED or NOT_MIRRORED.")
    @APIResponse(responseCode = "200", description = "The verdict and what is missing or wrong")
    @APIResponse(responseCode = "400", description = "Invalid repo, type, revision, commit or pattern (INVALID_REQUEST)",
            content = @Content(schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "502", description = "The store failed (STORE_*)",
            content = @Content(schema = @Schema(implementation = ErrorResponse.class)))
    public Uni<VerifyResponse> verify(
            @Parameter(description = "Repo id, org/name, or org/name@revision as in POST /v1/mirrors", required = true)
            @QueryParam("repo") String repo,
            @Parameter(description = "model (default), dataset or space") @QueryParam("type") String type,
            @Parameter(description = "Branch, tag, commit or refs/pr/N; default main") @QueryParam("revision")
            String revision,
            @Parameter(description = "The commit expected; default: what refs/<revision> holds") @QueryParam("commit")
            String commit,
            @Parameter(description = "huggingface_hub allow patterns (repeat the parameter)") @QueryParam("include")
            List<String> include,
            @Parameter(description = "huggingface_hub ignore patterns (repeat the parameter)") @QueryParam("exclude")
            List<String> exclude,
            @Parameter(description = "Alias of include (huggingface_hub's name)") @QueryParam("allow_patterns")
            List<String> allowPatterns,
            @Parameter(description = "Alias of exclude (huggingface_hub's name)") @QueryParam("ignore_patterns")
            List<String> ignorePatterns,
            @Parameter(description = "Re-read and re-hash every file; default false (stat only)") @QueryParam("deep")
            String deep) {
        return verifier.verify(spec(repo, type, revision, commit, either("include", include, "allow_patterns",
                allowPatterns), either("exclude", exclude, "ignore_patterns", ignorePatterns), deep))
                .map(VerifyResponse::of);
    }

    static VerifySpec spec(String repo, String type, String revision, String commit, List<String> include,
            List<String> exclude, String deep) {
        if (repo == null || repo.isBlank()) {
            throw invalid("query parameter 'repo' is required, e.g. /v1/verify?repo=org/name&revision=main");
        }
        String id = repo.trim();
        // as in POST /v1/mirrors: repo ids cannot contain '@', so the first '@' starts the revision
        int at = id.indexOf('@');
        if (at >= 0) {
            String named = id.substring(at + 1);
            id = id.substring(0, at);
            if (named.isEmpty()) {
                throw invalid("empty revision after '@' in repo '" + printable(repo) + "': write 'org/name' for main");
            }
            if (revision != null && !revision.isBlank() && !revision.equals(named)) {
                throw invalid("repo '" + printable(repo) + "' names revision '" + printable(named)
                        + "' but the revision parameter says '" + printable(revision) + "': give it once");
            }
            revision = named;
        }
        try {
            RepoRef ref = new RepoRef(HfRepoId.parse(id), RepoType.parse(type), revision);
            PathFilter.of(include, exclude);
            return new VerifySpec(ref, Optional.ofNullable(commit).filter(c -> !c.isBlank()), include, exclude,
                    parseBoolean(deep));
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
    }

    private static boolean parseBoolean(String value) {
        if (value == null || value.isBlank()) {
            return false;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new IllegalArgumentException("deep must be true or false");
        };
    }

    private static List<String> either(String name, List<String> value, String alias, List<String> aliased) {
        boolean given = value != null && !value.isEmpty();
        boolean aliasGiven = aliased != null && !aliased.isEmpty();
        if (given && aliasGiven) {
            throw invalid("both '" + name + "' and '" + alias + "' are given: they are the same parameter, use one");
        }
        return aliasGiven ? aliased : value;
    }

    private static String printable(String s) {
        String cut = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    private static MirrorException invalid(String message) {
        return new MirrorException(Reason.INVALID_REQUEST, message);
    }
}
