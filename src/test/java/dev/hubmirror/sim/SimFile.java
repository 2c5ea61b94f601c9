package dev.hubmirror.sim;

import java.nio.charset.StandardCharsets;

/**
 * One file of a simulated commit.
 *
 * @param path   path inside the repo, {@code /}-separated
 * @param size   size of the content in bytes (for LFS files, the LFS object size)
 * @param lfs    whether the file is stored in LFS (served through a 302 to the CDN) or in git (307 to resolve-cache)
 * @param source the bytes; {@link #sha256()} and {@link #gitSha1()} are computed from it on first need
 */
public record SimFile(String path, long size, boolean lfs, SimContent source) {

    /** The sha256 of the content (the LFS oid and {@code X-Linked-Etag} of LFS files); hashes the file on first call. */
    public String sha256() {
        return source.sha256();
    }

    /**
     * The git blob id: of the content for regular files, of the LFS pointer for LFS files. It is the tree
     * {@code oid}, and the {@code ETag} of regular files. Hashes the file on first call.
     */
    public String gitSha1() {
        return lfs ? SimContent.gitBlobSha1(pointer().getBytes(StandardCharsets.UTF_8)) : source.gitBlobSha1();
    }

    /** The etag the Hub advertises for this file: sha256 for LFS files, git blob sha1 otherwise. */
    public String etag() {
        return lfs ? sha256() : gitSha1();
    }

    /** The git-lfs pointer text of this file (also for regular files: what it would be if it were in LFS). */
    public String pointer() {
        return "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256() + "\nsize " + size + "\n";
    }

    /** Size in bytes of {@link #pointer()}. */
    public long pointerSize() {
        // the pointer is ASCII; its length does not depend on the digest value
        return ("version https://git-lfs.github.com/spec/v1\noid sha256:" + "0".repeat(64) + "\nsize " + size + "\n")
                .length();
    }

    /** All bytes of the content; only for files up to 64 MiB (test assertions). */
    public byte[] content() {
        return source.bytes();
    }

    /** Copies {@code len} content bytes starting at {@code offset} into {@code dst} at {@code dstOff}. */
    public void copyRange(long offset, byte[] dst, int dstOff, int len) {
        source.copyRange(offset, dst, dstOff, len);
    }

    /** Whether the digests the Hub needs for this file are already computed. */
    boolean digestsKnown() {
        return lfs ? source.sha256Known() : source.gitBlobSha1Known();
    }

    /** Computes the digests the Hub needs for this file (blocking). */
    void computeDigests() {
        etag();
    }
}
