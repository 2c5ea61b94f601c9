package dev.hubmirror.hub;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Talks to the HuggingFace Hub: resolves revisions, lists trees, streams file content. All methods are
 * non-blocking and lazy (nothing is sent until subscription; re-subscribing re-sends). Failures are
 * {@link HubException}s in the Hub's vocabulary.
 */
public interface HubClient {

    /** Resolves a revision (branch, tag, sha, {@code refs/pr/N}) to its 40-hex commit sha. */
    Uni<String> resolveCommit(RepoRef ref);

    /** Lists every file (not folders) of the repo at a commit, following all pages. */
    Uni<List<HubFile>> listFiles(RepoRef ref, String commit);

    /**
     * Streams {@code length} bytes of a file at a commit starting at {@code offset}, with back-pressure: bytes are
     * read from the network only as the subscriber requests items. A connection cut mid-stream is resumed with a
     * Range request from the first byte not yet delivered (re-resolving the CDN URL when it expired), up to the
     * retry limit. The stream fails with {@link HubException} when retries are exhausted or the error is final.
     * The bytes are not verified here; a short or long body fails with {@link dev.hubmirror.failure.Reason#SIZE_MISMATCH}.
     */
    Multi<ByteBuffer> download(RepoRef ref, String commit, HubFile file, long offset, long length);

    /**
     * Checks that the Hub answers at all, for health reporting: one request without the token, not retried. Completes
     * with the HTTP status (any status means reachable), fails with {@link HubException} ({@code HUB_CONNECTION}) when
     * no answer came. The default knows no Hub and fails.
     */
    default Uni<Integer> probe() {
        return Uni.createFrom().failure(new HubException(dev.hubmirror.failure.Reason.HUB_PROTOCOL, 0,
                getClass().getSimpleName() + " cannot probe the Hub"));
    }

    /**
     * Who this client's token belongs to: {@code GET /api/whoami-v2} with the token, one request, not retried (for
     * the token check at startup and in readiness). Fails with {@link HubException}: {@code UNAUTHORIZED} when the
     * Hub refuses the token (or there is none), {@code HUB_CONNECTION} / {@code HUB_UNAVAILABLE} when it did not
     * answer. The default knows no Hub and fails.
     */
    default Uni<HubIdentity> whoami() {
        return Uni.createFrom().failure(new HubException(dev.hubmirror.failure.Reason.HUB_PROTOCOL, 0,
                getClass().getSimpleName() + " cannot ask the Hub who a token belongs to"));
    }

    /**
     * This client, but sending {@code token} to the Hub instead of the configured default ({@code null} or blank: no
     * token). It shares the connection pool and settings; it is what a job that names a configured token uses.
     */
    HubClient withToken(String token);
}
