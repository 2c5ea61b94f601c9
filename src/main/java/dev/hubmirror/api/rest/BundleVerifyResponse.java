package dev.hubmirror.api.rest;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Whether everything a bundle's manifest lists is in place: each snapshot in the store (by its commit and patterns),
 * each image and chart in the target registry (by its digest).
 */
@Schema(description = "Whether every snapshot, image and chart of a bundle is complete where it went")
public record BundleVerifyResponse(
        String bundle,
        @Schema(description = "COMPLETE when every item that succeeded is complete; INCOMPLETE otherwise; "
                + "FAILED_ITEMS when some jobs of the bundle did not succeed (they are listed, not checked)")
        String status,
        @Schema(description = "Whether status is COMPLETE") boolean complete,
        List<VerifyResponse> snapshots,
        List<ArtifactVerifyResponse> images,
        List<ArtifactVerifyResponse> charts,
        @Schema(description = "Items not checked, and why (a failed job, a snapshot in a target store no longer configured)")
        List<String> notChecked) {
}
