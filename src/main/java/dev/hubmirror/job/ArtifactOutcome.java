package dev.hubmirror.job;

import java.util.List;

/**
 * What an image or chart job put into the target registry.
 *
 * @param target        the target reference written (with the tag, or by digest)
 * @param digest        the digest of the manifest in the target: the source's, byte for byte, unless a platform
 *                      filter made a smaller index
 * @param sourceDigest  the digest of the source's manifest
 * @param mediaType     the manifest's media type
 * @param platforms     the platforms of the index entries in the target (empty for a single manifest)
 * @param filtered      whether a platform filter dropped entries (then {@code digest != sourceDigest})
 * @param manifests     manifests written
 * @param blobsCopied   blobs streamed from the source
 * @param blobsMounted  blobs mounted from another repository of the target
 * @param blobsSkipped  blobs the target had already
 * @param bytesCopied   bytes streamed
 */
public record ArtifactOutcome(String target, String digest, String sourceDigest, String mediaType,
        List<String> platforms, boolean filtered, int manifests, int blobsCopied, int blobsMounted, int blobsSkipped,
        long bytesCopied) {

    /** Copies the list. */
    public ArtifactOutcome {
        platforms = platforms == null ? List.of() : List.copyOf(platforms);
    }
}
