package dev.hubmirror.api.rest;

import dev.hubmirror.job.JobSnapshot;
import dev.hubmirror.job.JobStatus;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A job as a submission answers it: enough to follow it at {@code href}. */
@Schema(description = "An accepted job; GET href for its progress")
public record JobSummaryResponse(
        String id,
        @Schema(description = "Repo id, org/name") String repo,
        @Schema(description = "model, dataset or space") String type,
        String revision,
        JobStatus status,
        @Schema(description = "Path of the job's status resource") String href) {

    static JobSummaryResponse of(JobSnapshot job) {
        WorkFields work = WorkFields.of(job.work());
        return new JobSummaryResponse(job.id(), work.repo(), work.type(), work.revision(), job.status(),
                JobResponse.href(job));
    }
}
