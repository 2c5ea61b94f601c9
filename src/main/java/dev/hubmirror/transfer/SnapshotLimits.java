package dev.hubmirror.transfer;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.HubFile;
import dev.hubmirror.hub.RepoRef;
import java.math.BigInteger;
import java.util.List;

/**
 * The most files and bytes one snapshot mirror may select; a larger selection fails with
 * {@link dev.hubmirror.failure.Reason#JOB_TOO_LARGE} after listing, before anything is transferred.
 *
 * <p>The byte total is summed exactly, whatever sizes the listing claims: the Hub is outside the trust boundary, and a
 * listing of sizes near 2^62 must not wrap a {@code long} sum below the limit. A selection whose total does not fit a
 * {@code long} is over every limit, {@link #NONE} included.
 */
public record SnapshotLimits(int maxFiles, long maxBytes) {

    /** No limit (but a total must still fit a {@code long}). */
    public static final SnapshotLimits NONE = new SnapshotLimits(Integer.MAX_VALUE, Long.MAX_VALUE);

    public SnapshotLimits {
        if (maxFiles < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("job limits must be positive: files " + maxFiles + ", bytes " + maxBytes);
        }
    }

    /**
     * Checks a selection against the limits and returns its exact total in bytes.
     *
     * @throws MirrorException {@link Reason#JOB_TOO_LARGE} naming the repo, the commit, the count or the exact total,
     *     and the config key to change
     */
    public long check(RepoRef ref, String commit, List<HubFile> selected) {
        if (selected.size() > maxFiles) {
            throw new MirrorException(Reason.JOB_TOO_LARGE, ref + " (commit " + commit + ") selects " + selected.size()
                    + " files, more than mirror.jobs.max-files-per-job=" + maxFiles + "; nothing was "
                    + "transferred. Narrow it with include/exclude patterns or raise the limit");
        }
        BigInteger total = BigInteger.ZERO;
        for (HubFile file : selected) {
            total = total.add(BigInteger.valueOf(file.size()));
        }
        if (total.compareTo(BigInteger.valueOf(maxBytes)) > 0) {
            throw new MirrorException(Reason.JOB_TOO_LARGE, ref + " (commit " + commit + ") selects " + total
                    + " bytes, more than mirror.jobs.max-bytes-per-job=" + maxBytes + " bytes; nothing was "
                    + "transferred. Narrow it with include/exclude patterns or raise the limit");
        }
        return total.longValueExact();
    }

    /** {@code a + b} for counters that must never wrap: {@link Long#MAX_VALUE} when the sum would overflow. */
    public static long saturatedAdd(long a, long b) {
        long sum = a + b;
        // overflow iff both operands have the same sign and the sum's sign differs
        return ((a ^ sum) & (b ^ sum)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : sum;
    }
}
