package dev.hubmirror.transfer;

/**
 * The most files and bytes one snapshot mirror may select; a larger selection fails with
 * {@link dev.hubmirror.failure.Reason#JOB_TOO_LARGE} after listing, before anything is transferred.
 */
public record SnapshotLimits(int maxFiles, long maxBytes) {

    /** No limit. */
    public static final SnapshotLimits NONE = new SnapshotLimits(Integer.MAX_VALUE, Long.MAX_VALUE);

    public SnapshotLimits {
        if (maxFiles < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("job limits must be positive: files " + maxFiles + ", bytes " + maxBytes);
        }
    }
}
