package dev.hubmirror.job;

import dev.hubmirror.hub.HfRepoId;
import dev.hubmirror.hub.RepoType;
import dev.hubmirror.transfer.MirrorSpec;
import java.util.List;
import java.util.TreeSet;

/**
 * What makes two submissions the same job: type, repo, revision and the pattern sets (order and duplicates of
 * patterns do not matter). The token is not part of it.
 */
record JobKey(RepoType type, HfRepoId repo, String revision, List<String> include, List<String> exclude) {

    static JobKey of(MirrorSpec spec) {
        return new JobKey(spec.ref().type(), spec.ref().id(), spec.ref().revision(),
                List.copyOf(new TreeSet<>(spec.include())), List.copyOf(new TreeSet<>(spec.exclude())));
    }
}
