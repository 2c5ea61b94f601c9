package dev.hubmirror.transfer;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.HubFile;
import dev.hubmirror.hub.RepoRef;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a whole tree listing before anything of it is selected, transferred or published: the listing is what
 * {@code trees/<commit>.json} will hold, so every entry counts, not only the files the include/exclude patterns
 * select. A tree is refused ({@link Reason#UNSAFE_PATH}, not retriable) when any path is unsafe ({@link SafePath}), or
 * when a path is both a file and a folder of another file ({@code a} and {@code a/b}): no worker could lay such a
 * snapshot out on disk, and a directory store could not write it.
 */
public final class SafeTree {

    private SafeTree() {
    }

    /**
     * Throws {@link Reason#UNSAFE_PATH} naming the repo, the commit and the first offending path; returns normally when
     * the whole tree is safe. Costs one pass over the paths and a set of them.
     */
    public static void check(RepoRef ref, String commit, List<HubFile> tree) {
        Set<String> files = new HashSet<>(Math.max(16, tree.size() * 2));
        for (HubFile file : tree) {
            SafePath.check(ref.id().id(), file.path());
            files.add(file.path());
        }
        for (HubFile file : tree) {
            String path = file.path();
            for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
                String folder = path.substring(0, slash);
                if (files.contains(folder)) {
                    throw new MirrorException(Reason.UNSAFE_PATH, "repo " + ref.id().id() + " (commit " + commit
                            + ") lists '" + SafePath.shown(folder) + "' both as a file and as the folder of '"
                            + SafePath.shown(path) + "'; no disk can hold both, so nothing was written. The "
                            + "repository content is refused; report it to its owner.");
                }
            }
        }
    }
}
