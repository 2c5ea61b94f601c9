package dev.hubmirror.job;

/**
 * What a job resolved to and how it ended: the commit (known once planned), where the result is (once succeeded),
 * what an image or chart job put into the target registry, and why it failed or was cancelled.
 *
 * @param commit      the commit the revision resolved to, once known ({@code null} for an image or chart: its
 *                    digest is the artifact's)
 * @param snapshotUrl the result's store URL, once a snapshot job succeeded
 * @param error       why the job failed or was cancelled; {@code null} otherwise
 * @param artifact    what a succeeded image or chart job wrote; {@code null} otherwise
 */
public record JobOutcome(String commit, String snapshotUrl, JobError error, ArtifactOutcome artifact) {

    /** Nothing resolved yet. */
    public static final JobOutcome NONE = new JobOutcome(null, null, null, null);

    /** An outcome without a registry result. */
    public JobOutcome(String commit, String snapshotUrl, JobError error) {
        this(commit, snapshotUrl, error, null);
    }

    /** A job that succeeded with {@code commit}, its result at {@code snapshotUrl}. */
    public static JobOutcome succeeded(String commit, String snapshotUrl) {
        return new JobOutcome(commit, snapshotUrl, null, null);
    }

    /** An image or chart job that succeeded with {@code artifact} in the target registry. */
    public static JobOutcome succeeded(ArtifactOutcome artifact) {
        return new JobOutcome(null, null, null, artifact);
    }

    /** This outcome ended by {@code cause} ({@code null}: without an error). */
    public JobOutcome endedBy(JobError cause) {
        return new JobOutcome(commit, snapshotUrl, cause, artifact);
    }
}
