package dev.hubmirror.api.rest;

import dev.hubmirror.job.ArtifactOutcome;
import dev.hubmirror.job.ArtifactSpec;
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
        @Schema(description = "Repo id, org/name; an image's or chart's source reference") String repo,
        @Schema(description = "model, dataset, space, image or chart") String type,
        @Schema(description = "The revision as requested; an image's tag or digest, a chart's version")
        String revision,
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
        @Schema(description = "The configured target store's name; absent for the default store") String target,
        @Schema(description = "An image or chart job: where it goes and what the target holds; files count its "
                + "blobs") Image image,
        @Schema(description = "The bundle the job belongs to") String bundle) {

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
                job.target(),
                work.artifact() == null ? null : Image.of(work.artifact(), job.outcome().artifact()),
                job.origin().bundle());
    }

    /** What an image or chart job copies, where to, and (once succeeded) what the target holds. */
    @Schema(description = "An image or chart in the target registry")
    public record Image(
            @Schema(description = "The source reference (a classic chart: its repository URL)") String source,
            @Schema(description = "A classic Helm repository's chart name") String chart,
            @Schema(description = "The target reference, as the mapping makes it") String target,
            @Schema(description = "The mapping rule, in words") String mapping,
            @Schema(description = "Platforms requested (empty: every platform)") List<String> platformsRequested,
            @Schema(description = "The manifest digest in the target, once succeeded") String digest,
            @Schema(description = "The source's manifest digest (differs only with a platform filter)")
            String sourceDigest,
            @Schema(description = "The manifest's media type") String mediaType,
            @Schema(description = "Platforms of the index now in the target") List<String> platforms,
            @Schema(description = "Whether a platform filter made a smaller index") Boolean filtered,
            @Schema(description = "Blobs streamed, mounted from another repository, and already there") Blobs blobs) {

        static Image of(ArtifactSpec a, ArtifactOutcome o) {
            return new Image(a.source(), a.chart(), o != null ? o.target() : a.target(), a.mapping(), a.platforms(),
                    o == null ? null : o.digest(), o == null ? null : o.sourceDigest(),
                    o == null ? null : o.mediaType(), o == null ? null : o.platforms(),
                    o == null ? null : o.filtered(),
                    o == null ? null : new Blobs(o.blobsCopied(), o.blobsMounted(), o.blobsSkipped(), o.bytesCopied()));
        }
    }

    /** Blob counts of an image or chart. */
    public record Blobs(int copied, int mounted, int skipped, long bytesCopied) {
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
