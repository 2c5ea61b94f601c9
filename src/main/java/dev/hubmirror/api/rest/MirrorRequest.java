package dev.hubmirror.api.rest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.HfRepoId;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.hub.RepoType;
import dev.hubmirror.job.JobWork;
import dev.hubmirror.job.SnapshotWork;
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
@Schema(description = "Repos to mirror. At least one entry in models or repos.")
public record MirrorRequest(
        @Schema(description = "Model ids, optionally with @revision")
        List<String> models,
        @Schema(description = "Repos of any type, with revision and patterns") List<RepoRequest> repos,
        @Schema(description = "A configured target store's name (mirror.targets.<name>.url), never a URL; absent: "
                + "the default store") String target,
        @Schema(description = "A configured Hub token's name (mirror.tokens.<name>), never a token; absent: the "
                + "default token") String tokenName) {

    /** A submission into the default store with the default token. */
    public MirrorRequest(List<String> models, List<RepoRequest> repos) {
        this(models, repos, null, null);
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
     * Validates every entry and returns one work per entry, models first, in request order (a new kind of job adds
     * its entries here).
     *
     * @throws MirrorException {@link Reason#INVALID_REQUEST} naming every offending entry
     */
    public List<JobWork> toWorks(SubmissionLimits limits) {
        return toSpecs(limits).stream().<JobWork>map(SnapshotWork::new).toList();
    }

    /**
     * Validates every entry and returns one spec per entry, models first, in request order.
     *
     * @throws MirrorException {@link Reason#INVALID_REQUEST} naming every offending entry
     */
    public List<MirrorSpec> toSpecs(SubmissionLimits limits) {
        List<String> modelList = models == null ? List.of() : models;
        List<RepoRequest> repoList = repos == null ? List.of() : repos;
        int count = modelList.size() + repoList.size();
        if (count == 0) {
            throw invalid("nothing to mirror: name at least one entry in 'models' or 'repos'");
        }
        if (count > limits.maxRepos()) {
            throw invalid("too many repos: " + count + " in one request, at most " + limits.maxRepos()
                    + " (mirror.jobs.max-repos-per-request); split the request");
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
        List<MirrorSpec> specs = new ArrayList<>(count);
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < modelList.size(); i++) {
            String entry = modelList.get(i);
            try {
                specs.add(model(entry));
            } catch (IllegalArgumentException e) {
                problems.add("models[" + i + "] '" + printable(entry) + "': " + e.getMessage());
            }
        }
        for (int i = 0; i < repoList.size(); i++) {
            RepoRequest repo = repoList.get(i);
            try {
                specs.add(repo(repo, limits.maxPatternLength()));
            } catch (IllegalArgumentException e) {
                String id = repo == null || repo.id() == null ? "" : " (id '" + printable(repo.id()) + "')";
                problems.add("repos[" + i + "]" + id + ": " + e.getMessage());
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
