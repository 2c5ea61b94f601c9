package dev.hubmirror.transfer;

/**
 * A finished mirror: the commit, the snapshot's store URL (as workers address it), what was mirrored and what was
 * already there.
 */
public record MirrorOutcome(
        String commit,
        String snapshotUrl,
        int files,
        long bytes,
        int filesSkipped,
        long bytesDownloaded) {
}
