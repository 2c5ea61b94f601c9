package dev.hubmirror.job;

/** Where a job is in its life: waiting, running, or finished one of three ways. */
public enum JobStatus {
    /** Accepted and waiting for a free job slot. */
    QUEUED,
    /** Mirroring now. */
    RUNNING,
    /** Every selected file is in the store, verified, and the snapshot's ref is written. */
    SUCCEEDED,
    /** Stopped by an error; {@link Job#error()} says which. */
    FAILED,
    /** Cancelled by a caller or because the service stopped; in-flight uploads were aborted. */
    CANCELLED;

    /** Whether the job reached a final state. */
    public boolean finished() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
