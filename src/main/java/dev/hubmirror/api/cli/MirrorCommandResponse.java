package dev.hubmirror.api.cli;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.transfer.MirrorOutcome;
import java.time.Duration;
import java.util.List;

/**
 * What {@code mirror --json} prints: one document for the whole command.
 *
 * @param status          {@code SUCCEEDED} when every repo was mirrored, else {@code FAILED}
 * @param exitCode        the process's exit code
 * @param store           the store's URL (its prefix)
 * @param clusterCacheUrl what to give the inference chart's {@code workers.common.clusterCache.url}
 * @param repos           one entry per repo argument, in order
 */
public record MirrorCommandResponse(String status, int exitCode, String store, String clusterCacheUrl,
        List<Repo> repos) {

    /**
     * One repo's outcome.
     *
     * @param status {@code SUCCEEDED} or {@code FAILED}
     * @param commit the commit the revision resolved to; null when it failed before resolving
     * @param error  why it failed; null when it succeeded
     */
    public record Repo(String repo, String type, String revision, String status, String commit, String snapshotUrl,
            int files, long bytes, int filesSkipped, long bytesDownloaded, double seconds, Error error) {

        static Repo succeeded(RepoRef ref, MirrorOutcome o, Duration took) {
            return new Repo(ref.id().id(), ref.type().singular(), ref.revision(), "SUCCEEDED", o.commit(),
                    o.snapshotUrl(), o.files(), o.bytes(), o.filesSkipped(), o.bytesDownloaded(), seconds(took), null);
        }

        static Repo failed(RepoRef ref, String commit, Duration took, MirrorException e) {
            return new Repo(ref.id().id(), ref.type().singular(), ref.revision(), "FAILED", commit, null, 0, 0, 0, 0,
                    seconds(took), new Error(e.reason().name(), e.retriable(), e.getMessage()));
        }

        private static double seconds(Duration d) {
            return d.toMillis() / 1000.0;
        }
    }

    /** A stable failure code (the {@code Reason} enum), whether a retry may help, and what to do. */
    public record Error(String reason, boolean retriable, String message) {
    }
}
