package dev.hubmirror.registry;

import java.util.List;

/**
 * Whether an image or chart is in a registry, complete and intact: its manifest (with the expected digest), every
 * child manifest of an index, every blob (with its size; the registry stores blobs under their digest and checked it
 * when they were written).
 *
 * @param reference         what was checked
 * @param status            the verdict
 * @param digest            the digest of the manifest found, or null
 * @param manifestsExpected manifests that should be there (the top one and every child)
 * @param manifestsPresent  of those, found with their digest
 * @param blobsExpected     distinct blobs the manifests name (foreign layers excluded)
 * @param blobsPresent      of those, found with their size
 * @param missing           what is missing ({@code manifest sha256:...}, {@code blob sha256:...})
 * @param wrong             what is there but wrong (another digest, another size)
 */
public record ImageVerification(ImageReference reference, Status status, Digest digest, int manifestsExpected,
        int manifestsPresent, int blobsExpected, int blobsPresent, List<String> missing, List<String> wrong) {

    /** The verdict. */
    public enum Status {
        /** Every manifest and blob is there and right. */
        COMPLETE,
        /** The manifest is there but something it names is missing or wrong (or it has another digest). */
        INCOMPLETE,
        /** The registry has no manifest for the reference. */
        NOT_MIRRORED
    }

    /** Copies the lists. */
    public ImageVerification {
        missing = List.copyOf(missing);
        wrong = List.copyOf(wrong);
    }
}
