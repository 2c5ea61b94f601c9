package dev.hubmirror.api.kafka;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.hubmirror.api.rest.WorkFields;
import dev.hubmirror.job.ArtifactOutcome;
import dev.hubmirror.job.ArtifactSpec;
import dev.hubmirror.job.JobError;
import dev.hubmirror.job.JobEventType;
import dev.hubmirror.job.JobOutcome;
import dev.hubmirror.job.JobProgress;
import dev.hubmirror.job.JobRecord;
import dev.hubmirror.job.JobSnapshot;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * An event on the events topic, keyed by {@link #key} (the repo) so that one repo's events stay in order. Built only
 * from a job's recorded state, so an event delivered twice is the same event (same {@code eventId}): one factory per
 * event type says what it shows, and one mapping ({@code of}) fills the fields. A new field is one component here,
 * one line in that mapping, and its entry in {@code docs/asyncapi.yaml}.
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

    /** The event {@code type} announces, from the job's recorded state. */
    static MirrorEvent of(JobEventType type, JobRecord record) {
        return switch (type) {
            case ACCEPTED -> accepted(record);
            case SUCCEEDED -> succeeded(record);
            case FAILED -> failed(record);
            case CANCELLED -> cancelled(record);
        };
    }

    /** {@code accepted}: who asked for what, and when; nothing of a run. */
    static MirrorEvent accepted(JobRecord record) {
        return of(JobEventType.ACCEPTED, record, null, record.job().times().createdAt());
    }

    /** {@code succeeded}: what was mirrored, where it is now, how long it took. */
    static MirrorEvent succeeded(JobRecord record) {
        return of(JobEventType.SUCCEEDED, record, record.job().outcome(), record.job().times().finishedAt());
    }

    /** {@code failed}: how far the job got and why it stopped; no snapshot URL (nothing was published). */
    static MirrorEvent failed(JobRecord record) {
        return of(JobEventType.FAILED, record, unpublished(record), record.job().times().finishedAt());
    }

    /** {@code cancelled}: as {@code failed}, with the reason {@code CANCELLED}. */
    static MirrorEvent cancelled(JobRecord record) {
        return of(JobEventType.CANCELLED, record, unpublished(record), record.job().times().finishedAt());
    }

    /** The record key: the job's subject: the repo as {@code type:org/name} (a model and a dataset may share an id). */
    static String key(JobSnapshot job) {
        return job.work().subject();
    }

    private static JobOutcome unpublished(JobRecord record) {
        JobOutcome outcome = record.job().outcome();
        return new JobOutcome(outcome.commit(), null, outcome.error(), null);
    }

    /**
     * The one mapping from a job's state to an event's fields. {@code ended} is the outcome the event shows, or
     * {@code null} for an event before any run (then nothing of a run is shown).
     */
    private static MirrorEvent of(JobEventType type, JobRecord record, JobOutcome ended, Instant time) {
        JobSnapshot job = record.job();
        WorkFields work = WorkFields.of(job.work());
        JobProgress progress = ended == null ? null : job.progress();
        JobError error = ended == null ? null : ended.error();
        ArtifactSpec artifact = work.artifact();
        ArtifactOutcome copied = ended == null ? null : ended.artifact();
        String name = type.name().toLowerCase(Locale.ROOT);
        return new MirrorEvent(
                UUID.nameUUIDFromBytes((job.id() + "/" + name).getBytes(StandardCharsets.UTF_8)).toString(),
                name,
                job.origin().requestId(),
                job.origin().requester(),
                job.id(),
                work.repo(),
                work.type(),
                work.revision(),
                ended == null ? null : ended.commit(),
                job.target(),
                ended == null ? null : ended.snapshotUrl(),
                progress == null ? null : progress.filesTotal(),
                progress == null ? null : progress.filesSkipped(),
                progress == null ? null : progress.bytesTotal(),
                ended == null ? null : job.times().durationMillis(),
                error == null ? null : error.reason().name(),
                error == null ? null : error.message(),
                ended == null ? null : record.instance(),
                time,
                copied != null ? copied.target() : artifact == null ? null : artifact.target(),
                ended == null && artifact != null ? artifact.mapping() : null,
                copied == null ? null : copied.digest(),
                copied == null ? null : copied.sourceDigest(),
                copied == null ? null : copied.platforms(),
                copied == null ? null : copied.blobsCopied(),
                copied == null ? null : copied.blobsMounted(),
                copied == null ? null : copied.blobsSkipped(),
                job.origin().bundle());
    }
}
