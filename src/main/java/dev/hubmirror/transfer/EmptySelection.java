package dev.hubmirror.transfer;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.HubFile;
import java.util.List;

/**
 * Refuses a mirror whose include/exclude patterns select no file of the tree: without this check it would succeed
 * with 0 files, write {@code refs/} and verify COMPLETE, and an offline worker would find nothing it asks for. A repo
 * mirrored without patterns is never refused here (an empty repo is mirrored as it is).
 */
final class EmptySelection {

    private static final int SHOWN = 5;

    private EmptySelection() {
    }

    /**
     * @param tree     the files the tree lists at the commit
     * @param selected how many of them the patterns select
     * @throws MirrorException {@link Reason#NO_MATCHING_FILES} when patterns are given and select nothing
     */
    static void check(MirrorSpec spec, String commit, List<HubFile> tree, int selected) {
        if (selected > 0 || spec.include().isEmpty() && spec.exclude().isEmpty()) {
            return;
        }
        String sample = tree.isEmpty() ? "the tree lists no file at all"
                : "the tree lists " + tree.size() + " files, e.g. " + String.join(", ",
                        tree.stream().limit(SHOWN).map(HubFile::path).toList());
        throw new MirrorException(Reason.NO_MATCHING_FILES, spec.ref() + " (commit " + commit + "): the patterns "
                + "include " + spec.include() + " exclude " + spec.exclude() + " select no file (" + sample
                + "); nothing was written and refs/ was not. Check the patterns (huggingface_hub allow_patterns/"
                + "ignore_patterns semantics: '*' crosses '/', 'dir/' is a folder, case-sensitive)");
    }
}
