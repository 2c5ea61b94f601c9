package dev.hubmirror.job;

/** The events of a job's life that callers are told about. */
public enum JobEventType {
    /** The job was accepted and is queued. */
    ACCEPTED,
    /** The snapshot is complete and visible in the store. */
    SUCCEEDED,
    /** The job stopped on an error. */
    FAILED,
    /** A caller cancelled the job. */
    CANCELLED;

    /** The event a status is announced with. */
    public static JobEventType of(JobStatus status) {
        return switch (status) {
            case SUCCEEDED -> SUCCEEDED;
            case FAILED -> FAILED;
            case CANCELLED -> CANCELLED;
            case QUEUED, RUNNING -> ACCEPTED;
        };
    }
}
