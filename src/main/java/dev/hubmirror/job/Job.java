package dev.hubmirror.job;

import dev.hubmirror.transfer.MirrorProgress;
import dev.hubmirror.transfer.SnapshotLimits;
import io.smallrye.mutiny.subscription.Cancellable;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One job and its live state, whatever its kind of work ({@link JobWork}). Readable from any thread at any time;
 * progress counters are updated by the runner's {@link MirrorProgress} callbacks, state transitions by
 * {@link JobService} only. A job submitted locally has no request; a job run from a {@link JobOrder} carries the
 * order's request, target, token name (a name, never a token) and shard.
 */
public final class Job {

    private final String id;
    private final long sequence;
    private final JobKey key;
    private final Instant createdAt;
    private final JobOrder order;
    private final MirrorProgress progress = new Progress();

    private final AtomicInteger filesDone = new AtomicInteger();
    private final AtomicInteger filesSkipped = new AtomicInteger();
    private final AtomicLong bytesDone = new AtomicLong();
    private volatile int filesTotal;
    private volatile long bytesTotal;

    private volatile JobStatus status = JobStatus.QUEUED;
    private volatile String commit;
    private volatile String snapshotUrl;
    private volatile ArtifactOutcome artifact;
    private volatile JobError error;
    private volatile Instant startedAt;
    private volatile Instant finishedAt;

    /** The running mirror's subscription; guarded by the {@link JobService} lock. */
    private Cancellable subscription;
    /** The estimated heap this job holds ({@link JobFootprint}); grows once, by the error message, when it ends. */
    private volatile long footprint;

    Job(long sequence, JobOrder order) {
        this.id = order.id();
        this.sequence = sequence;
        this.key = JobKey.of(order.work(), order.target());
        this.createdAt = order.createdAt();
        this.order = order;
        this.startedAt = order.startedAt();
        this.footprint = JobFootprint.of(order);
    }

    /** The job id, a time-ordered UUID. */
    public String id() {
        return id;
    }

    /** What the job does. */
    public JobWork work() {
        return order.work();
    }

    /** The current status. */
    public JobStatus status() {
        return status;
    }

    /** The commit the revision resolved to, once known. */
    public String commit() {
        return commit;
    }

    /** Files finished so far, skipped ones included. */
    public int filesDone() {
        return filesDone.get();
    }

    /** Files selected for the snapshot, once planned. */
    public int filesTotal() {
        return filesTotal;
    }

    /** Files that were already in the store, verified, from an earlier run. */
    public int filesSkipped() {
        return filesSkipped.get();
    }

    /** Bytes downloaded and verified so far, plus the sizes of skipped files. */
    public long bytesDone() {
        return bytesDone.get();
    }

    /** Bytes of all selected files, once planned. */
    public long bytesTotal() {
        return bytesTotal;
    }

    /** The snapshot's store URL, once the job succeeded. */
    public String snapshotUrl() {
        return snapshotUrl;
    }

    /** Why the job failed or was cancelled; null otherwise. */
    public JobError error() {
        return error;
    }

    /** When the job was accepted. */
    public Instant createdAt() {
        return createdAt;
    }

    /** When the job started running (its first run, for a resumed job); null while queued. */
    public Instant startedAt() {
        return startedAt;
    }

    /** Who asked for the job. */
    public JobOrigin origin() {
        return order.origin();
    }

    /** The target store's name; null for the default store. */
    public String target() {
        return order.target();
    }

    /** The configured token name the job uses; null for the default token. */
    public String tokenName() {
        return order.tokenName();
    }

    /** The shard of work the job belongs to; -1 for a local submission. */
    public int shard() {
        return order.shard();
    }

    /** This job's state now, as an immutable value. */
    public JobSnapshot snapshot() {
        // read the status first: counters read after it are at least as fresh
        JobStatus now = status;
        return new JobSnapshot(id, order.origin(), order.work(), order.target(), now,
                new JobProgress(filesDone(), filesTotal, filesSkipped(), bytesDone(), bytesTotal),
                new JobTimes(createdAt, startedAt, finishedAt), new JobOutcome(commit, snapshotUrl, error, artifact));
    }

    /** When the job finished; null until then. */
    public Instant finishedAt() {
        return finishedAt;
    }

    @Override
    public String toString() {
        return "Job[" + id + " " + order.work().describe() + " " + status + "]";
    }

    JobKey key() {
        return key;
    }

    long sequence() {
        return sequence;
    }

    MirrorProgress progress() {
        return progress;
    }

    Cancellable subscription() {
        return subscription;
    }

    void subscription(Cancellable subscription) {
        this.subscription = subscription;
    }

    void markRunning(Instant now) {
        if (startedAt == null) {
            startedAt = now;
        }
        status = JobStatus.RUNNING;
    }

    void markSucceeded(JobOutcome outcome, Instant now) {
        commit = outcome.commit();
        snapshotUrl = outcome.snapshotUrl();
        artifact = outcome.artifact();
        finish(JobStatus.SUCCEEDED, null, now);
    }

    void markFailed(JobError failure, Instant now) {
        finish(JobStatus.FAILED, failure, now);
    }

    void markCancelled(JobError cause, Instant now) {
        finish(JobStatus.CANCELLED, cause, now);
    }

    long footprint() {
        return footprint;
    }

    private void finish(JobStatus finalStatus, JobError cause, Instant now) {
        subscription = null;
        footprint += JobFootprint.ofError(cause);
        error = cause;
        finishedAt = now;
        status = finalStatus;
    }

    /** Progress callbacks; late callbacks after the job finished (a cancelled mirror winding down) are ignored. */
    private final class Progress implements MirrorProgress {

        @Override
        public void planned(String resolvedCommit, int files, long bytes) {
            if (status == JobStatus.RUNNING) {
                commit = resolvedCommit;
                filesTotal = files;
                bytesTotal = bytes;
            }
        }

        @Override
        public void transferred(long bytes) {
            if (status == JobStatus.RUNNING) {
                bytesDone.accumulateAndGet(bytes, SnapshotLimits::saturatedAdd);
            }
        }

        @Override
        public void fileDone(String path, long size, boolean skipped) {
            if (status == JobStatus.RUNNING) {
                filesDone.incrementAndGet();
                if (skipped) {
                    filesSkipped.incrementAndGet();
                    bytesDone.accumulateAndGet(size, SnapshotLimits::saturatedAdd);
                }
            }
        }
    }
}
