package dev.hubmirror.api.rest;

import dev.hubmirror.job.JobSnapshot;
import dev.hubmirror.job.JobStatus;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A job as a submission answers it: enough to follow it at {@code href}. */
@Schema(description = "An accepted job; GET href for its progress")
public record JobSummaryResponse(
        String id,
        @Schema(description = "Repo id, org/name; an image's or chart's source reference") String repo,
        @Schema(description = "model, dataset, space, image or chart") String type,
        @Schema(description = "The revision; an image's tag or digest, a chart's version") String revision,
        JobStatus status,
        @Schema(description = "Path of the job's status resource") String href,
        @Schema(description = "Where an image or chart goes in the target registry") String targetImage,
        @Schema(description = "The bundle the job belongs to") String bundle) {

    static JobSummaryResponse of(JobSnapshot job) {
        WorkFields work = WorkFields.of(job.work());
        return new JobSummaryResponse(job.id(), work.repo(), work.type(), work.revision(), job.status(),
                JobResponse.href(job), work.artifact() == null ? null : work.artifact().target(),
                job.origin().bundle());
    }
}
