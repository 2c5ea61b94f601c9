package dev.hubmirror.registry;

import java.util.List;

/**
 * What an image or chart copy put into the target.
 *
 * @param source        what was copied
 * @param target        where it went (with the tag written, or by digest)
 * @param sourceDigest  the digest of the source's top manifest (or, for a classic Helm chart, of the manifest built
 *                      for it)
 * @param targetDigest  the digest of the top manifest now in the target: the source's, byte for byte, unless a
 *                      platform filter made a smaller index
 * @param mediaType     the top manifest's media type
 * @param platforms     the platforms of the index entries now in the target (empty for a single manifest)
 * @param filtered      whether a platform filter dropped entries (then {@code targetDigest != sourceDigest})
 * @param manifests     manifests written (child manifests and the top one)
 * @param blobsCopied   blobs streamed from the source
 * @param blobsMounted  blobs mounted from another repository of the target
 * @param blobsSkipped  blobs the target had already
 * @param bytesCopied   bytes of the blobs streamed
 * @param bytesTotal    bytes of every blob the target now holds for it
 */
public record ImageCopyResult(ImageReference source, ImageReference target, Digest sourceDigest, Digest targetDigest,
        String mediaType, List<Platform> platforms, boolean filtered, int manifests, int blobsCopied, int blobsMounted,
        int blobsSkipped, long bytesCopied, long bytesTotal) {

    /** Copies the list. */
    public ImageCopyResult {
        platforms = List.copyOf(platforms);
    }
}
