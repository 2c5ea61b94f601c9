package dev.hubmirror.api.kafka;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.hubmirror.api.rest.WorkFields;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.job.ArtifactOutcome;
import dev.hubmirror.job.ArtifactSpec;
import dev.hubmirror.job.JobError;
import dev.hubmirror.job.JobEventType;
import dev.hubmirror.job.JobOrigin;
import dev.hubmirror.job.JobOutcome;
import dev.hubmirror.job.JobProgress;
import dev.hubmirror.job.JobRecord;
import dev.hubmirror.job.JobSnapshot;
import dev.hubmirror.job.JobStatus;
import dev.hubmirror.job.JobTimes;
import dev.hubmirror.job.JobWork;
import java.time.Instant;
import java.util.List;

/**
 * One job's state on the internal, compacted job-state topic (key {@code job/<jobId>}), and the jobs of an accepted
 * request (inside {@link AcceptedRequestMessage}). Internal: readers ignore unknown fields.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobStateMessage(
        String jobId,
        String requestId,
        String requester,
        String repo,
        String type,
        String revision,
        List<String> include,
        List<String> exclude,
        String target,
        String tokenName,
        JobStatus status,
        String commit,
        int filesDone,
        int filesTotal,
        int filesSkipped,
        long bytesDone,
        long bytesTotal,
        String snapshotUrl,
        String reason,
        String message,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        int shard,
        String instance,
        boolean admitted,
        JobEventType announced,
        ArtifactSpec artifact,
        ArtifactOutcome artifactOutcome,
        String bundle,
        int bundleSize) {

    /** The message of a record: the one mapping from a job record to the job-state topic. */
    static JobStateMessage of(JobRecord record) {
        JobSnapshot job = record.job();
        WorkFields work = WorkFields.of(job.work());
        JobProgress progress = job.progress();
        JobOutcome outcome = job.outcome();
        return new JobStateMessage(
                job.id(),
                job.origin().requestId(),
                job.origin().requester(),
                work.repo(),
                work.type(),
                work.revision(),
                work.include(),
                work.exclude(),
                job.target(),
                record.tokenName(),
                job.status(),
                outcome.commit(),
                progress.filesDone(),
                progress.filesTotal(),
                progress.filesSkipped(),
                progress.bytesDone(),
                progress.bytesTotal(),
                outcome.snapshotUrl(),
                outcome.error() == null ? null : outcome.error().reason().name(),
                outcome.error() == null ? null : outcome.error().message(),
                job.times().createdAt(),
                job.times().startedAt(),
                job.times().finishedAt(),
                record.shard(),
                record.instance(),
                record.admitted(),
                record.announced(),
                work.artifact(),
                outcome.artifact(),
                job.origin().bundle(),
                job.origin().bundleSize());
    }

    /** The record this message holds: the mapping back, part by part. */
    JobRecord toRecord() {
        JobWork work = new WorkFields(repo, type, revision, include, exclude, artifact).toWork();
        JobError error = reason == null ? null : new JobError(reasonOf(reason), message);
        JobSnapshot job = new JobSnapshot(jobId, new JobOrigin(requestId, requester, bundle, bundleSize), work, target,
                status == null ? JobStatus.QUEUED : status,
                new JobProgress(filesDone, filesTotal, filesSkipped, bytesDone, bytesTotal),
                new JobTimes(createdAt, startedAt, finishedAt),
                new JobOutcome(commit, snapshotUrl, error, artifactOutcome));
        return new JobRecord(job, tokenName, shard, instance, admitted, announced);
    }

    private static Reason reasonOf(String name) {
        try {
            return Reason.valueOf(name);
        } catch (IllegalArgumentException e) {
            return Reason.INTERNAL;
        }
    }
}
