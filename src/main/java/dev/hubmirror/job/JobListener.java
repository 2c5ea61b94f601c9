package dev.hubmirror.job;

/**
 * Transitions of the jobs a {@link JobService} runs. Called outside the service's lock, from any thread (I/O threads
 * included): implementations must be thread-safe, fast and must not block.
 */
public interface JobListener {

    /** A job was admitted (queued or parked behind an identical job). */
    default void admitted(Job job) {
    }

    /** A job started running. */
    default void started(Job job) {
    }

    /** A running job resolved its commit and planned its files. */
    default void planned(Job job) {
    }

    /** A job finished: succeeded, failed or was cancelled by a caller. */
    default void finished(Job job) {
    }

    /**
     * A job stopped here without finishing (the service stops, or its shard moved to another replica); it is left to
     * be resumed, and must not be reported as finished.
     */
    default void released(Job job) {
    }

    /** {@code first}, then {@code second}: both hear every transition. */
    static JobListener both(JobListener first, JobListener second) {
        return new JobListener() {
            @Override
            public void admitted(Job job) {
                first.admitted(job);
                second.admitted(job);
            }

            @Override
            public void started(Job job) {
                first.started(job);
                second.started(job);
            }

            @Override
            public void planned(Job job) {
                first.planned(job);
                second.planned(job);
            }

            @Override
            public void finished(Job job) {
                first.finished(job);
                second.finished(job);
            }

            @Override
            public void released(Job job) {
                first.released(job);
                second.released(job);
            }
        };
    }

    /** Listens to nothing. */
    JobListener NONE = new JobListener() {
    };
}
