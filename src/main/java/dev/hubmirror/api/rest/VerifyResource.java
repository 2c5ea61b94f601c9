package dev.hubmirror.api.rest;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.HfRepoId;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.hub.RepoType;
import dev.hubmirror.job.ArtifactMirror;
import dev.hubmirror.job.ArtifactSpec;
import dev.hubmirror.job.BundleManifest;
import dev.hubmirror.job.SnapshotVerifiers;
import dev.hubmirror.transfer.PathFilter;
import dev.hubmirror.transfer.VerifySpec;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
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
 * {@code /v1/verify/image}, {@code /v1/verify/chart}: is an image or chart complete in the target registry?
 * {@code /v1/verify/bundle/{name}}: is everything a bundle lists in place?
 */
@Path("/v1/verify")
@Tag(name = "verify")
@Produces(MediaType.APPLICATION_JSON)
public class VerifyResource {

    private final SnapshotVerifiers verifiers;
    private final ArtifactMirror artifacts;
    private final BundlesResource bundles;

    public VerifyResource(SnapshotVerifiers verifiers, ArtifactMirror artifacts, BundlesResource bundles) {
        this.verifiers = verifiers;
        this.artifacts = artifacts;
        this.bundles = bundles;
    }

    /** Verifies an image in the target registry. */
    @GET
    @Path("/image")
    @Operation(summary = "Verify a mirrored image in the target registry",
            description = "ref is the image as requested (its target comes from the mapping) or its target reference "
                    + "itself. Checks the manifest (with digest, when given), every child manifest of an index and "
                    + "every blob with its size. Answers 200 with COMPLETE, INCOMPLETE or NOT_MIRRORED.")
    @APIResponse(responseCode = "200", description = "The verdict and what is missing or wrong")
    @APIResponse(responseCode = "400", description = "Invalid reference or digest, or no target registry "
            + "(INVALID_REQUEST)", content = @Content(schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "502", description = "The target registry failed or refused access (REGISTRY_*)",
            content = @Content(schema = @Schema(implementation = ErrorResponse.class)))
    public Uni<ArtifactVerifyResponse> image(
            @Parameter(description = "ghcr.io/org/name:tag, ...@sha256:..., or the target reference", required = true)
            @QueryParam("ref") String ref,
            @Parameter(description = "The manifest digest expected, sha256:...") @QueryParam("digest") String digest) {
        if (ref == null || ref.isBlank()) {
            throw invalid("query parameter 'ref' is required, e.g. /v1/verify/image?ref=ghcr.io/org/name:v1");
        }
        return verifyArtifact(ref, digest);
    }

    /** Verifies a chart in the target registry. */
    @GET
    @Path("/chart")
    @Operation(summary = "Verify a mirrored Helm chart in the target registry",
            description = "ref=oci://registry/path/name:version (or its target reference), or repository, name and "
                    + "version of a classic Helm repository's chart. Checks as /v1/verify/image does.")
    @APIResponse(responseCode = "200", description = "The verdict and what is missing or wrong")
    @APIResponse(responseCode = "400", description = "Invalid chart (INVALID_REQUEST)",
            content = @Content(schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "502", description = "The target registry failed or refused access (REGISTRY_*)",
            content = @Content(schema = @Schema(implementation = ErrorResponse.class)))
    public Uni<ArtifactVerifyResponse> chart(
            @Parameter(description = "oci://registry/path/name:version") @QueryParam("ref") String ref,
            @Parameter(description = "A classic repository's URL") @QueryParam("repository") String repository,
            @Parameter(description = "The chart's name there") @QueryParam("name") String name,
            @Parameter(description = "The chart's version") @QueryParam("version") String version,
            @Parameter(description = "The manifest digest expected, sha256:...") @QueryParam("digest") String digest) {
        if (ref != null && !ref.isBlank()) {
            return verifyArtifact(ref, digest);
        }
        if (repository == null || name == null || version == null) {
            throw invalid("give ref=oci://registry/path/name:version, or repository, name and version");
        }
        String target;
        try {
            target = artifacts.targetOf(ArtifactSpec.Kind.CHART, repository, name, version);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
        return verifyArtifact(target, digest);
    }

    private Uni<ArtifactVerifyResponse> verifyArtifact(String ref, String digest) {
        Uni<dev.hubmirror.registry.ImageVerification> check;
        try {
            check = artifacts.verify(ref.trim(), digest);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
        return check.map(ArtifactVerifyResponse::of);
    }

    /** Verifies every item of a bundle's manifest. */
    @GET
    @Path("/bundle/{name}")
    @Operation(summary = "Verify everything a bundle lists",
            description = "Reads the bundle's manifest (bundles/<name>.json in the store) and checks each snapshot "
                    + "that succeeded in the store it was mirrored to (the default store or its target; its commit "
                    + "and patterns) and each image and chart in the target registry (its digest). deep=true "
                    + "re-hashes the snapshot files.")
    @APIResponse(responseCode = "200", description = "The verdict per item")
    @APIResponse(responseCode = "404", description = "No manifest for the bundle (BUNDLE_NOT_FOUND): it is not "
            + "finished, or was never requested", content = @Content(schema = @Schema(implementation = ErrorResponse.class)))
    public Uni<BundleVerifyResponse> bundle(@PathParam("name") String name,
            @Parameter(description = "Re-read and re-hash every snapshot file") @QueryParam("deep") String deep) {
        if (!BundleManifest.validName(name)) {
            throw invalid("bundle name '" + printable(name) + "' is not valid");
        }
        boolean deepCheck;
        try {
            deepCheck = parseBoolean(deep);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
        return bundles.stored(BundleManifest.key(name)).chain(found -> {
            if (found.isEmpty()) {
                throw new MirrorException(Reason.BUNDLE_NOT_FOUND, "no manifest for bundle '" + name + "' in the "
                        + "store: it is not finished yet (GET /v1/bundles/" + name + ") or was never requested");
            }
            BundleManifest m = found.get();
            List<String> notChecked = new ArrayList<>();
            List<Uni<VerifyResponse>> snapshots = new ArrayList<>();
            List<Uni<ArtifactVerifyResponse>> images = new ArrayList<>();
            List<Uni<ArtifactVerifyResponse>> charts = new ArrayList<>();
            for (BundleManifest.Item item : m.items()) {
                if (!item.status().equals("SUCCEEDED")) {
                    notChecked.add(item.kind() + " " + item.subject() + ": " + item.status()
                            + (item.reason() == null ? "" : " (" + item.reason() + ")"));
                } else if (item.kind().equals("image") || item.kind().equals("chart")) {
                    (item.kind().equals("image") ? images : charts).add(verifyArtifact(item.target(), item.digest()));
                } else if (item.store() != null && !verifiers.targets().contains(item.store())) {
                    notChecked.add(item.kind() + " " + item.subject() + ": in target store '" + item.store()
                            + "', which is no longer configured (mirror.targets." + item.store() + ".url)");
                } else {
                    snapshots.add(verifiers.of(item.store()).verify(new VerifySpec(new RepoRef(HfRepoId.parse(item.subject()),
                            RepoType.parse(item.kind()), item.revision()), Optional.ofNullable(item.commit()),
                            item.include(), item.exclude(), deepCheck)).map(VerifyResponse::of));
                }
            }
            Uni<List<VerifyResponse>> s = all(snapshots);
            Uni<List<ArtifactVerifyResponse>> i = all(images);
            Uni<List<ArtifactVerifyResponse>> c = all(charts);
            return Uni.combine().all().unis(s, i, c).asTuple().map(t -> {
                boolean complete = t.getItem1().stream().allMatch(VerifyResponse::complete)
                        && t.getItem2().stream().allMatch(ArtifactVerifyResponse::complete)
                        && t.getItem3().stream().allMatch(ArtifactVerifyResponse::complete);
                boolean failedItems = m.items().stream().anyMatch(x -> !x.status().equals("SUCCEEDED"));
                String status = !complete ? "INCOMPLETE" : failedItems ? "FAILED_ITEMS" : "COMPLETE";
                return new BundleVerifyResponse(name, status, status.equals("COMPLETE"), t.getItem1(),
                        t.getItem2(), t.getItem3(), notChecked);
            });
        });
    }

    private static <T> Uni<List<T>> all(List<Uni<T>> unis) {
        if (unis.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return io.smallrye.mutiny.Multi.createFrom().iterable(unis).onItem().transformToUniAndConcatenate(u -> u)
                .collect().asList();
    }

    /** Verifies one repo revision in the store. */
    @GET
    @Operation(summary = "Verify a mirrored snapshot in the store",
            description = "Checks refs/<revision>, trees/<commit>.json and every file the tree lists (that include/"
                    + "exclude select: use the patterns of the mirror) under snapshots/<commit>/: present, with the "
                    + "listed size and the hash recorded when it was verified. deep=true re-reads and re-hashes every "
                    + "file. target names the store a request sent the snapshot to. Answers 200 with status COMPLETE, "
                    + "INCOMPLETE, UNVERIFIED or NOT_MIRRORED.")
    @APIResponse(responseCode = "200", description = "The verdict and what is missing or wrong")
    @APIResponse(responseCode = "400", description = "Invalid repo, type, revision, commit, pattern or target "
            + "(INVALID_REQUEST)",
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
            String deep,
            @Parameter(description = "A configured target store (mirror.targets.<name>.url), as named in the mirror "
                    + "request; default: the default store") @QueryParam("target") String target) {
        return verifiers.of(target).verify(spec(repo, type, revision, commit, either("include", include, "allow_patterns",
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
