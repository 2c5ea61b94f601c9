package dev.hubmirror.transfer;

import dev.hubmirror.hub.RepoRef;
import java.util.List;

/** What to mirror: a repo at a revision, filtered by huggingface_hub-style include (allow) and exclude patterns. */
public record MirrorSpec(RepoRef ref, List<String> include, List<String> exclude) {

    public MirrorSpec {
        include = include == null ? List.of() : List.copyOf(include);
        exclude = exclude == null ? List.of() : List.copyOf(exclude);
    }

    public MirrorSpec(RepoRef ref) {
        this(ref, List.of(), List.of());
    }
}
