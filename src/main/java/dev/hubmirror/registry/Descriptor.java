package dev.hubmirror.registry;

import java.util.List;

/**
 * A content descriptor of a manifest: a config, a layer, or (in an index) a child manifest.
 *
 * @param mediaType what the content is
 * @param digest    its digest
 * @param size      its size in bytes
 * @param platform  an index entry's platform, or null
 * @param urls      where a foreign layer is served from (not copied), usually empty
 */
public record Descriptor(String mediaType, Digest digest, long size, Platform platform, List<String> urls) {

    /**
     * Validates the values.
     *
     * @throws IllegalArgumentException for a negative size or a missing media type or digest
     */
    public Descriptor {
        if (mediaType == null || mediaType.isBlank() || digest == null || size < 0) {
            throw new IllegalArgumentException("a descriptor needs a media type, a digest and a size of 0 or more");
        }
        urls = urls == null ? List.of() : List.copyOf(urls);
    }

    /** A descriptor of a config or layer (no platform, no URLs). */
    public static Descriptor of(String mediaType, Digest digest, long size) {
        return new Descriptor(mediaType, digest, size, null, List.of());
    }
}
