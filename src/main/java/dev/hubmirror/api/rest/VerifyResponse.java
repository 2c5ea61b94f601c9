package dev.hubmirror.api.rest;

import dev.hubmirror.transfer.CacheLayout;
import dev.hubmirror.transfer.SnapshotReport;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The answer of {@code GET /v1/verify}: whether the snapshot in the store is complete and intact, and what is not. */
@Schema(description = "Whether a mirrored snapshot is complete and intact in the store")
public record VerifyResponse(
        @Schema(description = "Repo id, org/name") String repo,
        @Schema(description = "model, dataset or space") String type,
        @Schema(description = "The revision as requested") String revision,
        @Schema(description = "The commit checked; null when neither the ref nor the request names one") String commit,
        @Schema(description = "COMPLETE; INCOMPLETE; UNVERIFIED (all present, some files without a recorded hash:"
                + " verify with deep=true); NOT_MIRRORED (no refs/<revision> and no trees/<commit>.json: this store "
                + "holds no mirror of the revision)") SnapshotReport.Status status,
        @Schema(description = "Whether status is COMPLETE") boolean complete,
        @Schema(description = "Store URL of the snapshot folder, as workers address it") String snapshotUrl,
        Ref ref,
        Tree tree,
        Files files,
        @Schema(description = "Selected files with no object") List<FileEntry> missing,
        @Schema(description = "Selected files whose object has another size or hash") List<FileEntry> wrong,
        @Schema(description = "Selected files of the right size that record no hash") List<FileEntry> unverified,
        @Schema(description = "Snapshot-level findings (ref, tree), each saying what to do") List<String> problems,
        @Schema(description = "Whether file contents were re-read and re-hashed") boolean deep) {

    /** The answer for one report; the CLI's {@code verify --json} prints the same. */
    public static VerifyResponse of(SnapshotReport r) {
        String refKey = CacheLayout.ref(r.ref());
        String treeKey = r.commit() == null ? null : CacheLayout.tree(r.ref(), r.commit());
        return new VerifyResponse(r.ref().id().id(), r.ref().type().singular(), r.ref().revision(), r.commit(),
                r.status(), r.complete(), r.snapshotUrl(), new Ref(refKey, r.refState()), new Tree(treeKey,
                        r.treePresent()),
                new Files(r.filesExpected(), r.filesVerified(), r.missingCount(), r.wrongCount(), r.unverifiedCount(),
                        r.bytesExpected(), r.missing().size() < r.missingCount() || r.wrong().size() < r.wrongCount()
                                || r.unverified().size() < r.unverifiedCount()),
                entries(r.missing()), entries(r.wrong()), entries(r.unverified()), r.problems(), r.deep());
    }

    private static List<FileEntry> entries(List<SnapshotReport.FileProblem> problems) {
        return problems.stream().map(p -> new FileEntry(p.path(), p.problem(), p.expectedSize(),
                p.actualSize() < 0 ? null : p.actualSize(), p.expectedHash(), p.actualHash())).toList();
    }

    /** The ref file and what it holds. */
    public record Ref(@Schema(description = "Store key, relative to the store prefix") String key,
            @Schema(description = "PRESENT, MISSING, MALFORMED, OTHER_COMMIT or NOT_NEEDED (the revision is a commit)")
            SnapshotReport.RefState state) {
    }

    /** The tree listing. */
    public record Tree(@Schema(description = "Store key; null without a commit") String key, boolean present) {
    }

    /** File counts over the files the tree lists and the patterns select. */
    public record Files(int expected, int verified, int missing, int wrong, int unverified,
            @Schema(description = "Total size of the selected files") long bytes,
            @Schema(description = "Whether a list was cut at mirror.verify.max-listed entries") boolean truncated) {
    }

    /** One file that is not as the tree lists it. */
    public record FileEntry(String path,
            @Schema(description = "MISSING, WRONG_SIZE, WRONG_HASH or NO_HASH") SnapshotReport.Problem problem,
            long expectedSize,
            @Schema(description = "The object's size; null when missing") Long actualSize,
            @Schema(description = "sha256 (LFS files) or git blob sha1 (regular files) from the tree") String expectedHash,
            @Schema(description = "The hash recorded on the object or, with deep=true, computed from it") String actualHash) {
    }
}
