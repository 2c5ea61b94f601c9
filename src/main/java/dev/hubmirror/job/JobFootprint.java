package dev.hubmirror.job;

import java.util.List;

/**
 * An estimate of the heap one job record holds: a fixed part for the record, its counters and timestamps, plus every
 * string it keeps (its work's, the request id, requester, bundle, target, token name, commit, snapshot URL, error
 * message, an image's result) at two bytes a character and the overhead of a string object. The estimate errs on the
 * large side; it is what {@code mirror.jobs.max-retained-bytes} bounds.
 */
public final class JobFootprint {

    /** A job record without its strings: the record, the job object, counters, timestamps, map entries. */
    static final long RECORD = 1024;
    /** One string object and its array header. */
    static final long STRING = 48;

    private JobFootprint() {
    }

    /** The estimate for a job in any state. */
    public static long of(JobSnapshot job) {
        long bytes = RECORD + job.work().footprint() + string(job.id()) + string(job.origin().requestId())
                + string(job.origin().requester()) + string(job.target()) + string(job.outcome().commit())
                + string(job.outcome().snapshotUrl()) + string(job.origin().bundle()) + of(job.outcome().artifact());
        return job.outcome().error() == null ? bytes : bytes + string(job.outcome().error().message());
    }

    /** The estimate for a job about to be created from an order, before it ran. */
    static long of(JobOrder order) {
        return RECORD + order.work().footprint() + string(order.id()) + string(order.origin().requestId())
                + string(order.origin().requester()) + string(order.origin().bundle()) + string(order.target())
                + string(order.tokenName());
    }

    /** What a job's error message adds once it finished. */
    static long ofError(JobError error) {
        return error == null ? 0 : string(error.message());
    }

    /** What an image or chart job's result adds: its record and strings. */
    private static long of(ArtifactOutcome outcome) {
        return outcome == null ? 0 : RECORD / 4 + string(outcome.target()) + string(outcome.digest())
                + string(outcome.sourceDigest()) + string(outcome.mediaType()) + strings(outcome.platforms());
    }

    /** The estimate for the strings of a list. */
    public static long strings(List<String> values) {
        long bytes = 0;
        for (String value : values) {
            bytes += string(value);
        }
        return bytes;
    }

    /** The estimate for one string; 0 for {@code null}. */
    public static long string(String value) {
        return value == null ? 0 : STRING + 2L * value.length();
    }
}
