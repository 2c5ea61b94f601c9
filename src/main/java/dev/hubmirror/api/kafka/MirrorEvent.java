package dev.hubmirror.api.kafka;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.hubmirror.job.ArtifactOutcome;
import dev.hubmirror.job.JobEventType;
import dev.hubmirror.job.JobRecord;
import dev.hubmirror.job.JobSnapshot;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * An event on the events topic, keyed by {@link #key} (the repo) so that one repo's events stay in order. Built only
 * from a job's recorded state, so an event delivered twice is the same event (same {@code eventId}).
 *
 * @param eventId       the same for every delivery of this event: a reader may drop repeats by it
 * @param event         {@code accepted}, {@code succeeded}, {@code failed} or {@code cancelled}
 * @param requestId     the request that asked for the job
 * @param requester     who asked
 * @param jobId         the job; {@code GET /v1/jobs/{jobId}} on any replica shows it
 * @param repo          the repo id, {@code org/name}; for an image or chart, its source reference (a classic Helm
 *                      repository's chart: {@code <repository> <name> <version>})
 * @param type          {@code model}, {@code dataset}, {@code space}, {@code image} or {@code chart}
 * @param revision      the revision as requested; the tag, digest or version of an image or chart
 * @param commit        the commit it resolved to (once known)
 * @param target        the configured target store's name; absent for the default store
 * @param snapshotUrl   the snapshot's folder in the store, e.g. {@code s3://bucket/prefix/models--org--name/snapshots/<commit>/};
 *                      on succeeded
 * @param files         files of the snapshot (selected by the patterns); an image's or chart's blobs
 * @param filesSkipped  files already in the store, verified, from an earlier run; blobs the target had or mounted
 * @param bytes         bytes of those files
 * @param durationMs    from the job's first start to its end; on succeeded, failed, cancelled
 * @param reason        the stable failure code ({@code GATED_REPO}, ...); on failed and cancelled
 * @param message       what went wrong and what to do; on failed and cancelled
 * @param instance      the replica that ran the job
 * @param time          when it happened: the acceptance, or the job's end
 * @param targetImage   an image's or chart's reference in the target registry (as the mapping makes it)
 * @param mapping       the mapping rule that made it, in words; on accepted
 * @param digest        the manifest digest in the target; on succeeded
 * @param sourceDigest  the source's manifest digest (differs from {@code digest} only with a platform filter)
 * @param platforms     the platforms of an index now in the target; on succeeded
 * @param blobsCopied   blobs streamed; on succeeded
 * @param blobsMounted  blobs mounted from another repository of the target; on succeeded
 * @param blobsSkipped  blobs the target had already; on succeeded
 * @param bundle        the bundle the job belongs to
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MirrorEvent(
        String eventId,
        String event,
        String requestId,
        String requester,
        String jobId,
        String repo,
        String type,
        String revision,
        String commit,
        String target,
        String snapshotUrl,
        Integer files,
        Integer filesSkipped,
        Long bytes,
        Long durationMs,
        String reason,
        String message,
        String instance,
        Instant time,
        String targetImage,
        String mapping,
        String digest,
        String sourceDigest,
        List<String> platforms,
        Integer blobsCopied,
        Integer blobsMounted,
        Integer blobsSkipped,
        String bundle) {

    static MirrorEvent of(JobEventType type, JobRecord record) {
        JobSnapshot job = record.job();
        String name = type.name().toLowerCase(Locale.ROOT);
        String eventId = UUID.nameUUIDFromBytes((job.id() + "/" + name).getBytes(StandardCharsets.UTF_8)).toString();
        String repo = job.subject();
        String repoType = job.kind();
        String targetImage = job.artifact() == null ? null : job.artifact().target();
        if (type == JobEventType.ACCEPTED) {
            return new MirrorEvent(eventId, name, job.requestId(), job.requester(), job.id(), repo, repoType,
                    job.revision(), null, job.target(), null, null, null, null, null, null, null, null,
                    job.createdAt(), targetImage, job.artifact() == null ? null : job.artifact().mapping(), null, null,
                    null, null, null, null, job.bundle());
        }
        Instant start = job.startedAt() != null ? job.startedAt() : job.createdAt();
        Long duration = job.finishedAt() == null || start == null ? null
                : Math.max(0, Duration.between(start, job.finishedAt()).toMillis());
        boolean succeeded = type == JobEventType.SUCCEEDED;
        ArtifactOutcome out = succeeded ? job.artifactOutcome() : null;
        boolean artifact = job.artifact() != null;
        return new MirrorEvent(eventId, name, job.requestId(), job.requester(), job.id(), repo, repoType,
                job.revision(), artifact ? null : job.commit(), job.target(), succeeded ? job.snapshotUrl() : null,
                job.filesTotal(), job.filesSkipped(), job.bytesTotal(), duration,
                job.error() == null ? null : job.error().reason().name(),
                job.error() == null ? null : job.error().message(), record.instance(), job.finishedAt(),
                out != null ? out.target() : targetImage, null, out == null ? null : out.digest(),
                out == null ? null : out.sourceDigest(), out == null ? null : out.platforms(),
                out == null ? null : out.blobsCopied(), out == null ? null : out.blobsMounted(),
                out == null ? null : out.blobsSkipped(), job.bundle());
    }

    /** The record key: the repo as {@code type:org/name} (a model and a dataset may share an id), or the image. */
    static String key(JobSnapshot job) {
        return job.kind() + ":" + job.subject();
    }
}
