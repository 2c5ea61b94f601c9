package dev.hubmirror.api.rest;

import dev.hubmirror.job.JobProgress;
import dev.hubmirror.job.JobSnapshot;
import dev.hubmirror.job.JobStatus;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A job's full status: what it mirrors, how far it got, and how it ended. */
@Schema(description = "A mirror job and its progress")
public record JobResponse(
        String id,
        @Schema(description = "Repo id, org/name") String repo,
        @Schema(description = "model, dataset or space") String type,
        @Schema(description = "The revision as requested") String revision,
        List<String> include,
        List<String> exclude,
        JobStatus status,
        @Schema(description = "The commit the revision resolved to, once known") String commit,
        Files files,
        Bytes bytes,
        @Schema(description = "Store URL of the snapshot, once succeeded") String snapshotUrl,
        @Schema(description = "Why the job failed or was cancelled") ErrorResponse.Detail error,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        @Schema(description = "Path of this resource") String href,
        @Schema(description = "The request that asked for the job (Kafka requests and, with Kafka on, REST)")
        String requestId,
        @Schema(description = "Who asked for the job, as the request said") String requester,
        @Schema(description = "The configured target store's name; absent for the default store") String target) {

    static JobResponse of(JobSnapshot job) {
        WorkFields work = WorkFields.of(job.work());
        JobProgress progress = job.progress();
        return new JobResponse(
                job.id(),
                work.repo(),
                work.type(),
                work.revision(),
                work.include(),
                work.exclude(),
                job.status(),
                job.outcome().commit(),
                new Files(progress.filesDone(), progress.filesTotal(), progress.filesSkipped()),
                new Bytes(progress.bytesDone(), progress.bytesTotal()),
                job.outcome().snapshotUrl(),
                ErrorResponse.Detail.of(job.outcome().error()),
                job.times().createdAt(),
                job.times().startedAt(),
                job.times().finishedAt(),
                href(job),
                job.origin().requestId(),
                job.origin().requester(),
                job.target());
    }

    static String href(JobSnapshot job) {
        return "/v1/jobs/" + job.id();
    }

    /** File counts: finished (skipped included), selected, and already present from an earlier run. */
    public record Files(int done, int total, int skipped) {
    }

    /** Byte counts: downloaded and verified (plus skipped files' sizes), and the total of selected files. */
    public record Bytes(long done, long total) {
    }
}
