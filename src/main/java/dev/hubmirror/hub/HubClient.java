package dev.hubmirror.hub;

import dev.hubmirror.memory.PooledBuffer;
import io.smallrye.mutiny.Uni;
import java.util.List;

/**
 * Talks to the HuggingFace Hub: resolves revisions, lists trees, fetches file ranges into pooled buffers. All methods
 * are non-blocking and lazy (nothing is sent until subscription; re-subscribing re-sends). Failures are
 * {@link HubException}s in the Hub's vocabulary.
 */
public interface HubClient {

    /** Resolves a revision (branch, tag, sha, {@code refs/pr/N}) to its 40-hex commit sha. */
    Uni<String> resolveCommit(RepoRef ref);

    /** Lists every file (not folders) of the repo at a commit, following all pages. */
    Uni<List<HubFile>> listFiles(RepoRef ref, String commit);

    /**
     * Fills {@code target} with the file's bytes from {@code offset + target.written()} on, until it is full (its
     * capacity is the range's length; bytes already written, e.g. by an earlier attempt, are not fetched again). Each
     * chunk goes from the HTTP client's network buffer straight into {@code target} (one copy). A connection cut,
     * stalled or trickling mid-range is resumed with a Range request for what is still missing, up to the retry limit;
     * an expired CDN URL is resolved on the Hub again. Each attempt writes through its own
     * {@link PooledBuffer#writer()}, so a superseded or cancelled attempt can never write into the buffer again.
     * Completes once the buffer is full; fails with {@link HubException} (a body longer than the range:
     * {@link dev.hubmirror.failure.Reason#SIZE_MISMATCH}). Cancelling stops the request and revokes its writer. The
     * bytes are not verified here, and {@code target} stays the caller's: it is never released here.
     */
    Uni<Void> fetch(RepoRef ref, String commit, HubFile file, long offset, PooledBuffer target);

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
