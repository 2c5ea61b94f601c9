package dev.hubmirror.job;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.Optional;

/**
 * What the API does with jobs: submit, look up, list, cancel. With Kafka off this is this process's
 * {@link JobService} ({@link LocalJobDesk}); with Kafka on, submissions go through the requests topic and reads
 * come from the shared job state, so that every replica answers the same.
 */
public interface JobDesk {

    /**
     * Submits one job per work, in order, and answers them (an identical active job may answer instead).
     *
     * @throws MirrorException {@link Reason#INVALID_REQUEST}, {@link Reason#QUEUE_FULL}, {@link Reason#SHUTTING_DOWN}
     */
    default Uni<List<JobSnapshot>> submit(List<? extends JobWork> works) {
        return submit(works, null, null);
    }

    /**
     * Submits one job per work into the configured target {@code target} ({@code null}: the default target)
     * with the configured token {@code tokenName} ({@code null}: the default token).
     *
     * @throws MirrorException {@link Reason#INVALID_REQUEST} (also for a name that is not configured),
     *     {@link Reason#QUEUE_FULL}, {@link Reason#SHUTTING_DOWN}
     */
    default Uni<List<JobSnapshot>> submit(List<? extends JobWork> works, String target, String tokenName) {
        return submit(works, target, tokenName, null);
    }

    /**
     * As {@link #submit(List, String, String)}; with {@code bundle}, the jobs form that bundle (one bundle event and
     * manifest once every one is final) and none of them is answered by an identical active job: each waits behind it.
     *
     * @throws MirrorException as {@link #submit(List, String, String)}
     */
    Uni<List<JobSnapshot>> submit(List<? extends JobWork> works, String target, String tokenName, String bundle);

    /** The jobs of the latest request that named bundle {@code name}, oldest first; empty when none is known. */
    List<JobSnapshot> bundle(String name);

    /**
     * The job with this id.
     *
     * @throws MirrorException {@link Reason#JOB_NOT_FOUND}
     */
    JobSnapshot get(String id);

    /** Jobs, newest first, optionally only those with {@code status}, at most {@code limit}. */
    List<JobSnapshot> list(Optional<JobStatus> status, int limit);

    /**
     * Cancels a queued or running job and answers it.
     *
     * @throws MirrorException {@link Reason#JOB_NOT_FOUND}, {@link Reason#JOB_FINISHED}
     */
    Uni<JobSnapshot> cancel(String id);
}
