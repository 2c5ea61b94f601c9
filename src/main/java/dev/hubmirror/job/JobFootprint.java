package dev.hubmirror.job;

import dev.hubmirror.hub.RepoRef;
import java.util.List;

/**
 * An estimate of the heap one job record holds: a fixed part for the record, its counters and timestamps, plus every
 * string it keeps (repo, revision, patterns, request id, requester, target, commit, snapshot URL, error message) at
 * two bytes a character and the overhead of a string object. The estimate errs on the large side; it is what
 * {@code mirror.jobs.max-retained-bytes} bounds.
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
        long bytes = RECORD + of(job.ref()) + of(job.artifact()) + of(job.artifactOutcome()) + string(job.bundle())
                + strings(job.include()) + strings(job.exclude()) + string(job.id())
                + string(job.requestId()) + string(job.requester()) + string(job.target()) + string(job.commit())
                + string(job.snapshotUrl());
        return job.error() == null ? bytes : bytes + string(job.error().message());
    }

    /** The estimate for a job about to be created from an order, before it ran. */
    static long of(JobOrder order) {
        return RECORD + (order.spec() == null ? of(order.artifact()) : of(order.spec().ref())
                + strings(order.spec().include()) + strings(order.spec().exclude())) + string(order.bundle())
                + string(order.id()) + string(order.requestId()) + string(order.requester()) + string(order.target())
                + string(order.tokenName());
    }

    /** What a job's error message adds once it finished. */
    static long ofError(JobError error) {
        return error == null ? 0 : string(error.message());
    }

    private static long of(RepoRef ref) {
        return ref == null ? 0 : string(ref.id().id()) + string(ref.revision());
    }

    private static long of(ArtifactSpec a) {
        return a == null ? 0 : string(a.source()) + string(a.chart()) + string(a.version()) + strings(a.platforms())
                + string(a.target()) + string(a.mapping());
    }

    private static long of(ArtifactOutcome o) {
        return o == null ? 0 : RECORD / 4 + string(o.target()) + string(o.digest()) + string(o.sourceDigest())
                + string(o.mediaType()) + strings(o.platforms());
    }

    private static long strings(List<String> values) {
        long bytes = 0;
        for (String value : values) {
            bytes += string(value);
        }
        return bytes;
    }

    private static long string(String value) {
        return value == null ? 0 : STRING + 2L * value.length();
    }
}
