package dev.hubmirror.transfer;

import dev.hubmirror.hub.RepoRef;
import java.util.List;
import java.util.Optional;

/**
 * What to mirror: a repo at a revision, filtered by huggingface_hub-style allow/ignore patterns, optionally with a
 * token other than the default one.
 */
public record MirrorSpec(RepoRef ref, List<String> include, List<String> exclude, Optional<String> token) {

    public MirrorSpec {
        include = include == null ? List.of() : List.copyOf(include);
        exclude = exclude == null ? List.of() : List.copyOf(exclude);
        token = token == null ? Optional.empty() : token;
    }

    public MirrorSpec(RepoRef ref) {
        this(ref, List.of(), List.of(), Optional.empty());
    }
}
