package dev.hubmirror.job;

/**
 * What a job resolved to and how it ended: the commit (known once planned), where the result is (once succeeded),
 * and why it failed or was cancelled.
 *
 * @param commit      the commit the revision resolved to, once known
 * @param snapshotUrl the result's store URL, once the job succeeded
 * @param error       why the job failed or was cancelled; {@code null} otherwise
 */
public record JobOutcome(String commit, String snapshotUrl, JobError error) {

    /** Nothing resolved yet. */
    public static final JobOutcome NONE = new JobOutcome(null, null, null);

    /** A job that succeeded with {@code commit}, its result at {@code snapshotUrl}. */
    public static JobOutcome succeeded(String commit, String snapshotUrl) {
        return new JobOutcome(commit, snapshotUrl, null);
    }

    /** This outcome ended by {@code cause} ({@code null}: without an error). */
    public JobOutcome endedBy(JobError cause) {
        return new JobOutcome(commit, snapshotUrl, cause);
    }
}
