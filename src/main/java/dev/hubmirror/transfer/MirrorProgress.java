package dev.hubmirror.transfer;

/**
 * Callbacks from a running mirror. Called from I/O threads: implementations must be thread-safe, fast and must not
 * block.
 */
public interface MirrorProgress {

    /** The revision resolved to {@code commit}; {@code files} files totalling {@code bytes} bytes will be mirrored. */
    void planned(String commit, int files, long bytes);

    /** {@code bytes} more bytes were downloaded and verified so far (called per chunk). */
    void transferred(long bytes);

    /** A file is visible in the store; {@code skipped} when it was already there, verified, from an earlier run. */
    void fileDone(String path, long size, boolean skipped);

    /** No-op progress. */
    MirrorProgress NONE = new MirrorProgress() {
        @Override
        public void planned(String commit, int files, long bytes) {
        }

        @Override
        public void transferred(long bytes) {
        }

        @Override
        public void fileDone(String path, long size, boolean skipped) {
        }
    };
}
