package dev.hubmirror.api.rest;

import dev.hubmirror.registry.ImageVerification;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Whether an image or chart is complete in the target registry: every manifest and blob, with its digest. */
@Schema(description = "Whether an image or chart is complete and intact in the target registry")
public record ArtifactVerifyResponse(
        @Schema(description = "The target reference checked") String reference,
        @Schema(description = "COMPLETE, INCOMPLETE (something missing or wrong) or NOT_MIRRORED (no manifest)")
        ImageVerification.Status status,
        @Schema(description = "Whether status is COMPLETE") boolean complete,
        @Schema(description = "The digest of the manifest found") String digest,
        @Schema(description = "Manifests expected (the top one and every child of an index) and found") Counts manifests,
        @Schema(description = "Distinct blobs the manifests name and found with their size") Counts blobs,
        @Schema(description = "What is missing: manifest sha256:..., blob sha256:...") List<String> missing,
        @Schema(description = "What is there but wrong (another digest, another size)") List<String> wrong) {

    /** Expected and present. */
    public record Counts(int expected, int present) {
    }

    static ArtifactVerifyResponse of(ImageVerification v) {
        return new ArtifactVerifyResponse(v.reference().toString(), v.status(),
                v.status() == ImageVerification.Status.COMPLETE, v.digest() == null ? null : v.digest().value(),
                new Counts(v.manifestsExpected(), v.manifestsPresent()), new Counts(v.blobsExpected(),
                        v.blobsPresent()), v.missing(), v.wrong());
    }
}
