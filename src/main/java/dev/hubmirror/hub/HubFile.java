package dev.hubmirror.hub;

import java.util.Optional;

/**
 * One file of a repository tree at a commit, as {@code /api/{type}s/{id}/tree/{sha}?recursive=true} lists it.
 *
 * @param path    path inside the repo, {@code /}-separated
 * @param size    size in bytes of the file content (for LFS files, the LFS object size)
 * @param blobId  git blob sha1 (of the pointer for LFS files, of the content otherwise)
 * @param lfs     present for LFS / Xet files
 */
public record HubFile(String path, long size, String blobId, Optional<LfsInfo> lfs) {

    /** Refuses a negative size: totals of sizes (job limits, progress) rely on every size being {@code >= 0}. */
    public HubFile {
        if (size < 0) {
            throw new IllegalArgumentException("file '" + path + "' has a negative size " + size);
        }
        lfs = lfs == null ? Optional.empty() : lfs;
    }

    /** Whether this file is stored in LFS (and verified by sha256). */
    public boolean isLfs() {
        return lfs.isPresent();
    }

    /** The etag the Hub uses for this file: the sha256 for LFS files, the git blob sha1 otherwise. */
    public String etag() {
        return lfs.map(LfsInfo::sha256).orElse(blobId);
    }
}
