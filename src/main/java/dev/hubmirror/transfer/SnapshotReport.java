package dev.hubmirror.transfer;

import dev.hubmirror.hub.RepoRef;
import java.util.List;

/**
 * What {@link SnapshotVerifier} found in the store for one repo revision.
 *
 * @param ref           the repo and revision verified
 * @param commit        the commit checked: from {@code refs/<revision>}, the request, or the revision itself; null
 *                      when it could not be known (no ref and no commit given)
 * @param status        the verdict
 * @param snapshotUrl   where the snapshot's files are, as workers address them; null without a commit
 * @param refState      what {@code refs/<revision>} holds
 * @param treePresent   whether {@code trees/<commit>.json} is there and readable
 * @param filesExpected files the tree lists that the patterns select
 * @param filesVerified files present with the listed size and hash
 * @param bytesExpected total size of the selected files
 * @param missing       selected files with no object (at most the configured number)
 * @param wrong         selected files whose object has another size or hash
 * @param unverified    selected files of the right size whose object records no hash (copied by another tool)
 * @param missingCount  all missing files
 * @param wrongCount    all wrong files
 * @param unverifiedCount all unverified files
 * @param problems      snapshot-level findings (ref, tree), each a sentence that says what to do
 * @param deep          whether file contents were re-hashed
 */
public record SnapshotReport(
        RepoRef ref,
        String commit,
        Status status,
        String snapshotUrl,
        RefState refState,
        boolean treePresent,
        int filesExpected,
        int filesVerified,
        long bytesExpected,
        List<FileProblem> missing,
        List<FileProblem> wrong,
        List<FileProblem> unverified,
        int missingCount,
        int wrongCount,
        int unverifiedCount,
        List<String> problems,
        boolean deep) {

    /** The verdict. */
    public enum Status {
        /** The ref, the tree and every selected file are there with the listed size and hash. */
        COMPLETE,
        /** Something is missing or wrong: the ref, the tree, or files. Offline workers would fail. */
        INCOMPLETE,
        /**
         * Everything is there with the right sizes, but some files record no hash (written by another tool, such as
         * {@code aws s3 sync}); verify again with {@code deep=true} to hash them.
         */
        UNVERIFIED,
        /**
         * The store holds no mirror of this revision: no {@code refs/<revision>} (or the revision is a commit) and no
         * {@code trees/<commit>.json} for a commit that is known. Never mirrored here, or misspelled; mirror it.
         */
        NOT_MIRRORED
    }

    /** What {@code refs/<revision>} holds. */
    public enum RefState {
        /** It holds the commit, 40 hex digits and nothing else. */
        PRESENT,
        /** There is no such object. */
        MISSING,
        /** It holds something else than exactly 40 hex digits (a trailing newline breaks offline resolution). */
        MALFORMED,
        /** It holds another commit than the one asked for. */
        OTHER_COMMIT,
        /** The revision is a commit sha: huggingface_hub neither writes nor needs a ref for it. */
        NOT_NEEDED
    }

    /** Why a file is listed. */
    public enum Problem {
        /** No object at the file's key. */
        MISSING,
        /** The object's size differs from the tree's. */
        WRONG_SIZE,
        /** The recorded (or, when deep, the computed) hash differs from the tree's. */
        WRONG_HASH,
        /** The object records no hash and was not re-hashed. */
        NO_HASH
    }

    /**
     * One file that is not as the tree lists it.
     *
     * @param actualSize the object's size, -1 when missing
     * @param actualHash the recorded or computed hash, null when unknown
     */
    public record FileProblem(String path, Problem problem, long expectedSize, long actualSize, String expectedHash,
            String actualHash) {
    }

    /** Whether the snapshot is complete and intact. */
    public boolean complete() {
        return status == Status.COMPLETE;
    }
}
