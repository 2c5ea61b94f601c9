package dev.hubmirror.api.rest;

import dev.hubmirror.job.BundleManifest;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A bundle's bill of materials: every snapshot with its commit and store URL, every image and chart with its digest in
 * the target registry, how each job ended.
 */
@Schema(description = "A bundle: every job of the request that named it, and what each put where")
public record BundleResponse(
        String bundle,
        @Schema(description = "RUNNING while a job is not final, SUCCEEDED when all succeeded, else FAILED")
        String status,
        String requestId,
        String requester,
        Instant createdAt,
        @Schema(description = "When its last job ended") Instant finishedAt,
        @Schema(description = "The manifest in the store (written once every job is final)") String manifestUrl,
        List<Snapshot> snapshots,
        List<Artifact> images,
        List<Artifact> charts) {

    /** A Hub repo's snapshot. */
    public record Snapshot(String jobId, String repo, String type, String revision, String status, String commit,
            String snapshotUrl, String reason, String message) {
    }

    /** An image or chart in the target registry. */
    public record Artifact(String jobId, String source, String reference, String status, String target,
            String digest, List<String> platforms, String reason, String message) {
    }

    static BundleResponse of(BundleManifest m, String manifestUrl) {
        List<Snapshot> snapshots = m.items().stream().filter(i -> !i.kind().equals("image")
                && !i.kind().equals("chart")).map(i -> new Snapshot(i.jobId(), i.subject(), i.kind(), i.revision(),
                        i.status(), i.commit(), i.snapshotUrl(), i.reason(), i.message())).toList();
        return new BundleResponse(m.bundle(), m.status(), m.requestId(), m.requester(), m.createdAt(),
                m.finishedAt(), manifestUrl, snapshots, artifacts(m, "image"), artifacts(m, "chart"));
    }

    private static List<Artifact> artifacts(BundleManifest m, String kind) {
        return m.items().stream().filter(i -> i.kind().equals(kind)).map(i -> new Artifact(i.jobId(), i.subject(),
                i.revision(), i.status(), i.target(), i.digest(), i.platforms(), i.reason(), i.message())).toList();
    }
}
