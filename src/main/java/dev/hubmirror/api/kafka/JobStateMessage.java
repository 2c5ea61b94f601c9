package dev.hubmirror.api.kafka;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.HfRepoId;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.hub.RepoType;
import dev.hubmirror.job.ArtifactOutcome;
import dev.hubmirror.job.ArtifactSpec;
import dev.hubmirror.job.JobError;
import dev.hubmirror.job.JobEventType;
import dev.hubmirror.job.JobRecord;
import dev.hubmirror.job.JobSnapshot;
import dev.hubmirror.job.JobStatus;
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

    static JobStateMessage of(JobRecord record) {
        JobSnapshot job = record.job();
        RepoRef ref = job.ref();
        return new JobStateMessage(job.id(), job.requestId(), job.requester(), ref == null ? null : ref.id().id(),
                ref == null ? null : ref.type().singular(), ref == null ? null : ref.revision(), job.include(),
                job.exclude(), job.target(),
                record.tokenName(), job.status(), job.commit(), job.filesDone(), job.filesTotal(), job.filesSkipped(),
                job.bytesDone(), job.bytesTotal(), job.snapshotUrl(),
                job.error() == null ? null : job.error().reason().name(),
                job.error() == null ? null : job.error().message(), job.createdAt(), job.startedAt(),
                job.finishedAt(), record.shard(), record.instance(), record.admitted(), record.announced(),
                job.artifact(), job.artifactOutcome(), job.bundle(), job.bundleSize());
    }

    JobRecord toRecord() {
        RepoRef ref = artifact != null ? null : new RepoRef(HfRepoId.parse(repo), RepoType.parse(type), revision);
        JobError error = reason == null ? null : new JobError(reasonOf(reason), message);
        JobSnapshot job = new JobSnapshot(jobId, requestId, requester, ref, include, exclude, target,
                status == null ? JobStatus.QUEUED : status, commit, filesDone, filesTotal, filesSkipped, bytesDone,
                bytesTotal, snapshotUrl, error, createdAt, startedAt, finishedAt, artifact, artifactOutcome, bundle,
                bundleSize);
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
