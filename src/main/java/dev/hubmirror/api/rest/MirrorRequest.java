package dev.hubmirror.api.rest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.HfRepoId;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.hub.RepoType;
import dev.hubmirror.job.ArtifactMirror;
import dev.hubmirror.job.ArtifactSpec;
import dev.hubmirror.job.ArtifactWork;
import dev.hubmirror.job.BundleManifest;
import dev.hubmirror.job.JobWork;
import dev.hubmirror.job.SnapshotWork;
import dev.hubmirror.registry.ImageReference;
import dev.hubmirror.registry.Platform;
import dev.hubmirror.transfer.MirrorSpec;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A submission: models as {@code id} or {@code id@revision}, and repos with a type and patterns, optionally into a
 * configured target store and with a configured token, both by name (as a Kafka request may). Unknown fields are
 * ignored; in particular a {@code token} field is never read (tokens come from the service's configuration).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@Schema(description = "What to mirror: Hub repos into the store, images and charts into the target registry. At "
        + "least one entry in models, repos, images or charts.")
public record MirrorRequest(
        @Schema(description = "Model ids, optionally with @revision")
        List<String> models,
        @Schema(description = "Repos of any type, with revision and patterns") List<RepoRequest> repos,
        @Schema(description = "A configured target store's name (mirror.targets.<name>.url), never a URL; absent: "
                + "the default store") String target,
        @Schema(description = "A configured Hub token's name (mirror.tokens.<name>), never a token; absent: the "
                + "default token") String tokenName,
        @Schema(description = "Container images, ghcr.io/org/name:tag or ...@sha256:<digest>, copied to the target "
                + "registry (mirror.registry.target.url)") List<String> images,
        @Schema(description = "Helm charts: oci://registry/path/name:version, or {repository, name, version} of a "
                + "classic Helm repository; pushed to the target registry as OCI charts") List<ChartRequest> charts,
        @Schema(description = "Platforms to keep of image indexes (os/arch[/variant], e.g. linux/amd64); absent: "
                + "every platform") List<String> platforms,
        @Schema(description = "A bundle name grouping every job of this request: one bundle event and a bundle "
                + "manifest (GET /v1/bundles/{name}) when all are final") String bundle) {

    /** A submission into the default store with the default token. */
    public MirrorRequest(List<String> models, List<RepoRequest> repos) {
        this(models, repos, null, null, null, null, null, null);
    }

    /** A submission of Hub repos into {@code target} with {@code tokenName}. */
    public MirrorRequest(List<String> models, List<RepoRequest> repos, String target, String tokenName) {
        this(models, repos, target, tokenName, null, null, null, null);
    }

    /** The bundle's name, {@code null} when absent or blank. */
    public String bundleName() {
        return blankToNull(bundle);
    }

    /** The target store's name, {@code null} when absent or blank. */
    public String targetName() {
        return blankToNull(target);
    }

    /** The token's name, {@code null} when absent or blank. */
    public String tokenNameOrNull() {
        return blankToNull(tokenName);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static final int MAX_PROBLEMS_SHOWN = 10;

    /**
     * Validates every entry and returns one spec per entry, models first, in request order.
     *
     * @throws MirrorException {@link Reason#INVALID_REQUEST} naming every offending entry
     */
    public List<MirrorSpec> toSpecs(SubmissionLimits limits) {
        return toWorks(limits, ArtifactMirror.NONE).stream().map(work -> ((SnapshotWork) work).spec()).toList();
    }

    /**
     * Validates every entry and returns one work per entry: models, repos, images, charts, in request order (a new
     * kind of job adds its entries here).
     * Images and charts are parsed and mapped to the target registry by {@code artifacts}; they count against the
     * same {@code mirror.jobs.max-repos-per-request}.
     *
     * @throws MirrorException {@link Reason#INVALID_REQUEST} naming every offending entry
     */
    public List<JobWork> toWorks(SubmissionLimits limits, ArtifactMirror artifacts) {
        List<String> modelList = models == null ? List.of() : models;
        List<RepoRequest> repoList = repos == null ? List.of() : repos;
        List<String> imageList = images == null ? List.of() : images;
        List<ChartRequest> chartList = charts == null ? List.of() : charts;
        int count = modelList.size() + repoList.size() + imageList.size() + chartList.size();
        if (count == 0) {
            throw invalid("nothing to mirror: name at least one entry in 'models', 'repos', 'images' or 'charts'");
        }
        if (count > limits.maxRepos()) {
            throw invalid("too many repos: " + count + " in one request, at most " + limits.maxRepos()
                    + " (mirror.jobs.max-repos-per-request: models, repos, images and charts together); split the "
                    + "request");
        }
        if (bundle != null && !bundle.isBlank() && !BundleManifest.validName(bundle.trim())) {
            throw invalid("bundle '" + printable(bundle) + "' is not a valid name: letters, digits, '.', '_' and '-',"
                    + " at most 128 characters, starting with a letter or digit");
        }
        List<String> platformList = platforms == null ? List.of() : platforms;
        if (platformList.size() > limits.maxPatterns()) {
            throw invalid("too many platforms: " + platformList.size() + ", at most " + limits.maxPatterns());
        }
        List<String> platformNames = new ArrayList<>();
        for (int i = 0; i < platformList.size(); i++) {
            try {
                platformNames.add(Platform.parse(platformList.get(i)).toString());
            } catch (IllegalArgumentException e) {
                throw invalid("platforms[" + i + "]: " + e.getMessage());
            }
        }
        if (!platformNames.isEmpty() && imageList.isEmpty()) {
            throw invalid("'platforms' filters image indexes, but the request names no image");
        }
        long patternCount = 0;
        for (RepoRequest repo : repoList) {
            if (repo != null) {
                // every pattern field counts, aliases included (giving both names is refused per repo below)
                patternCount += size(repo.include()) + size(repo.allowPatterns()) + size(repo.exclude())
                        + size(repo.ignorePatterns());
            }
        }
        if (patternCount > limits.maxPatterns()) {
            throw invalid("too many patterns: " + patternCount + " include and exclude patterns in one request, at "
                    + "most " + limits.maxPatterns() + " (mirror.jobs.max-patterns-per-request); split the request "
                    + "or use broader patterns");
        }
        List<JobWork> specs = new ArrayList<>(count);
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < modelList.size(); i++) {
            String entry = modelList.get(i);
            try {
                specs.add(new SnapshotWork(model(entry)));
            } catch (IllegalArgumentException e) {
                problems.add("models[" + i + "] '" + printable(entry) + "': " + e.getMessage());
            }
        }
        for (int i = 0; i < repoList.size(); i++) {
            RepoRequest repo = repoList.get(i);
            try {
                specs.add(new SnapshotWork(repo(repo, limits.maxPatternLength())));
            } catch (IllegalArgumentException e) {
                String id = repo == null || repo.id() == null ? "" : " (id '" + printable(repo.id()) + "')";
                problems.add("repos[" + i + "]" + id + ": " + e.getMessage());
            }
        }
        for (int i = 0; i < imageList.size(); i++) {
            String entry = imageList.get(i);
            try {
                specs.add(new ArtifactWork(image(entry, platformNames, artifacts)));
            } catch (IllegalArgumentException e) {
                problems.add("images[" + i + "] '" + printable(entry) + "': " + e.getMessage());
            }
        }
        for (int i = 0; i < chartList.size(); i++) {
            ChartRequest chart = chartList.get(i);
            try {
                specs.add(new ArtifactWork(chart(chart, artifacts)));
            } catch (IllegalArgumentException e) {
                problems.add("charts[" + i + "]: " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            String shown = String.join("; ", problems.subList(0, Math.min(problems.size(), MAX_PROBLEMS_SHOWN)));
            int more = problems.size() - MAX_PROBLEMS_SHOWN;
            throw invalid("invalid request, nothing was submitted: " + shown
                    + (more > 0 ? "; and " + more + " more" : ""));
        }
        return specs;
    }

    private static ArtifactSpec image(String entry, List<String> platforms, ArtifactMirror artifacts) {
        if (entry == null || entry.isBlank()) {
            throw new IllegalArgumentException("empty entry: expected 'registry/org/name:tag' or '...@sha256:<digest>'");
        }
        String source = ImageReference.parse(entry).toString();
        return new ArtifactSpec(ArtifactSpec.Kind.IMAGE, source, null, null, platforms,
                artifacts.targetOf(ArtifactSpec.Kind.IMAGE, source, null, null), artifacts.mapping());
    }

    private static final java.util.regex.Pattern CHART_NAME = java.util.regex.Pattern.compile(
            "[a-z0-9]([a-z0-9._-]{0,126}[a-z0-9])?");

    private static ArtifactSpec chart(ChartRequest chart, ArtifactMirror artifacts) {
        if (chart == null) {
            throw new IllegalArgumentException("null entry: expected \"oci://registry/path/name:version\" or "
                    + "{\"repository\": \"https://...\", \"name\": \"...\", \"version\": \"...\"}");
        }
        if (chart.oci() != null) {
            if (chart.repository() != null || chart.name() != null || chart.version() != null) {
                throw new IllegalArgumentException("give either an oci reference or repository, name and version");
            }
            if (!chart.oci().trim().startsWith("oci://")) {
                throw new IllegalArgumentException("'" + printable(chart.oci()) + "' is not oci://registry/path/"
                        + "name:version (a classic repository's chart is {repository, name, version})");
            }
            ImageReference ref = ImageReference.parse(chart.oci());
            String source = "oci://" + ref;
            return new ArtifactSpec(ArtifactSpec.Kind.CHART, source, null, null, List.of(),
                    artifacts.targetOf(ArtifactSpec.Kind.CHART, source, null, null), artifacts.mapping());
        }
        if (chart.repository() == null || chart.name() == null || chart.version() == null) {
            throw new IllegalArgumentException("a classic repository's chart needs repository, name and version");
        }
        java.net.URI repository;
        try {
            repository = new java.net.URI(chart.repository().trim());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("repository '" + printable(chart.repository()) + "' is not a URL");
        }
        String scheme = repository.getScheme() == null ? "" : repository.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || repository.getHost() == null
                || repository.getRawQuery() != null || repository.getRawUserInfo() != null) {
            throw new IllegalArgumentException("repository '" + printable(chart.repository()) + "' must be an "
                    + "http(s) URL without user info or query, e.g. https://kedacore.github.io/charts");
        }
        if (!CHART_NAME.matcher(chart.name()).matches()) {
            throw new IllegalArgumentException("chart name '" + printable(chart.name()) + "' is not valid: lower-case "
                    + "letters, digits, '-', '_' and '.'");
        }
        String source = repository.toString();
        String version = chart.version().trim();
        return new ArtifactSpec(ArtifactSpec.Kind.CHART, source, chart.name(), version, List.of(),
                artifacts.targetOf(ArtifactSpec.Kind.CHART, source, chart.name(), version), artifacts.mapping());
    }

    private static MirrorSpec model(String entry) {
        if (entry == null) {
            throw new IllegalArgumentException("null entry: expected 'org/name' or 'org/name@revision'");
        }
        // repo ids cannot contain '@', revisions may (and may contain '/'): the first '@' separates them
        int at = entry.indexOf('@');
        String id = at < 0 ? entry : entry.substring(0, at);
        String revision = at < 0 ? null : entry.substring(at + 1);
        if (revision != null && revision.isEmpty()) {
            throw new IllegalArgumentException("empty revision after '@': write 'org/name' for main");
        }
        return new MirrorSpec(new RepoRef(HfRepoId.parse(id), RepoType.MODEL, revision));
    }

    private static MirrorSpec repo(RepoRequest repo, int maxPatternLength) {
        if (repo == null) {
            throw new IllegalArgumentException("null entry: expected {\"id\": \"org/name\", ...}");
        }
        RepoRef ref = new RepoRef(HfRepoId.parse(repo.id()), RepoType.parse(repo.type()), repo.revision());
        return new MirrorSpec(ref, patterns(repo.include() != null ? "include" : "allow_patterns",
                repo.includePatterns(), maxPatternLength), patterns(repo.exclude() != null ? "exclude"
                        : "ignore_patterns", repo.excludePatterns(), maxPatternLength));
    }

    private static List<String> patterns(String field, List<String> patterns, int maxLength) {
        if (patterns == null) {
            return List.of();
        }
        for (int i = 0; i < patterns.size(); i++) {
            String p = patterns.get(i);
            if (p == null || p.isEmpty()) {
                throw new IllegalArgumentException(field + "[" + i + "] is empty: give a pattern such as '*.json'");
            }
            if (p.length() > maxLength) {
                throw new IllegalArgumentException(field + "[" + i + "] '" + printable(p) + "' is " + p.length()
                        + " characters long, at most " + maxLength + " (mirror.jobs.max-pattern-length)");
            }
            if (p.indexOf('\0') >= 0) {
                throw new IllegalArgumentException(field + "[" + i + "] '" + printable(p)
                        + "' is invalid: it contains a NUL character");
            }
        }
        return patterns;
    }

    private static int size(List<String> patterns) {
        return patterns == null ? 0 : patterns.size();
    }

    private static MirrorException invalid(String message) {
        return new MirrorException(Reason.INVALID_REQUEST, message);
    }

    private static String printable(String s) {
        if (s == null) {
            return "";
        }
        String cut = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
