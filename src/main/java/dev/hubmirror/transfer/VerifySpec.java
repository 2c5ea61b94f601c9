package dev.hubmirror.transfer;

import dev.hubmirror.hub.RepoRef;
import java.util.List;
import java.util.Optional;

/**
 * What to verify: a repo at a revision in the store, optionally at a given commit (then the ref must point to it),
 * the files selected by huggingface_hub-style include/exclude patterns (use the patterns the mirror was made with),
 * and whether to re-read and re-hash every file ({@code deep}) instead of trusting the hash the mirror recorded on it.
 */
public record VerifySpec(RepoRef ref, Optional<String> commit, List<String> include, List<String> exclude,
        boolean deep) {

    public VerifySpec {
        commit = commit == null ? Optional.empty() : commit;
        include = include == null ? List.of() : List.copyOf(include);
        exclude = exclude == null ? List.of() : List.copyOf(exclude);
    }

    /** Every file of the revision, stat only. */
    public VerifySpec(RepoRef ref) {
        this(ref, Optional.empty(), List.of(), List.of(), false);
    }
}
