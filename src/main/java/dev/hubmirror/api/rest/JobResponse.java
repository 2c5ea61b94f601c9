package dev.hubmirror.api.rest;

import dev.hubmirror.job.Job;
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
        @Schema(description = "Path of this resource") String href) {

    static JobResponse of(Job job) {
        // read the status first: counters read after it are at least as fresh
        JobStatus status = job.status();
        return new JobResponse(job.id(), job.ref().id().id(), job.ref().type().singular(), job.ref().revision(),
                job.include(), job.exclude(), status, job.commit(),
                new Files(job.filesDone(), job.filesTotal(), job.filesSkipped()),
                new Bytes(job.bytesDone(), job.bytesTotal()), job.snapshotUrl(), ErrorResponse.Detail.of(job.error()),
                job.createdAt(), job.startedAt(), job.finishedAt(), href(job));
    }

    static String href(Job job) {
        return "/v1/jobs/" + job.id();
    }

    /** File counts: finished (skipped included), selected, and already present from an earlier run. */
    public record Files(int done, int total, int skipped) {
    }

    /** Byte counts: downloaded and verified (plus skipped files' sizes), and the total of selected files. */
    public record Bytes(long done, long total) {
    }
}
