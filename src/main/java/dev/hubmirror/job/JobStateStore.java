package dev.hubmirror.job;

import io.smallrye.mutiny.Uni;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Durable job state shared by every replica: the latest {@link JobRecord} of every job, the requests accepted so far
 * (their jobs show as QUEUED until an owner admits them), and cancellation requests. One writer per job at a time
 * (the owner of the job's shard); a job's own record always wins over its accepted placeholder.
 *
 * <p>Reads answer from this replica's view, which follows the writes of every replica with a short delay;
 * {@link #sync()} waits until the view holds every write acknowledged before the call.
 */
public interface JobStateStore {

    /** Records a job's state; completes once durable. The latest save of a job wins. */
    Uni<Void> save(JobRecord record);

    /**
     * Records that request {@code requestId} was accepted with these jobs (QUEUED, not admitted); completes once
     * durable. Never overrides a job's own record.
     */
    Uni<Void> saveAccepted(String requestId, List<JobRecord> jobs);

    /** Records that a caller asked to cancel job {@code jobId}; completes once durable. The job's owner applies it. */
    Uni<Void> requestCancel(String jobId);

    /** Whether request {@code requestId} was accepted before (in this replica's view). */
    boolean requestSeen(String requestId);

    /** Whether cancelling job {@code jobId} was requested (in this replica's view). */
    boolean cancelRequested(String jobId);

    /** Calls {@code listener} with the job id of every cancellation request this replica reads. */
    void onCancelRequest(Consumer<String> listener);

    /** The job's record, or its accepted placeholder. */
    Optional<JobRecord> find(String jobId);

    /** Remembered jobs, newest first, optionally only those with {@code status}, at most {@code limit}. */
    List<JobRecord> list(Optional<JobStatus> status, int limit);

    /** Every remembered job (records and placeholders). */
    Collection<JobRecord> all();

    /** Completes when this replica's view holds every write acknowledged before the call. */
    Uni<Void> sync();

    /** Forgets finished jobs that finished before {@code cutoff} (from this replica's view only). */
    void forgetFinishedBefore(Instant cutoff);
}
