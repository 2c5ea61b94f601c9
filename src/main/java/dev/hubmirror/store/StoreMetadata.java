package dev.hubmirror.store;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * User metadata as every store keeps it: keys lower-case (S3 and GCS fold or preserve case differently; a directory's
 * extended attributes are case-sensitive), entries without a key or value dropped, sorted, unmodifiable. Applied to what
 * is written and to what is read back, so a store answers the same metadata whatever its backend does with case.
 */
public final class StoreMetadata {

    private StoreMetadata() {
    }

    /** The normal form of {@code metadata} ({@code null}: none). */
    public static Map<String, String> normalise(Map<String, String> metadata) {
        if (metadata == null || metadata.isEmpty()) {
            return Map.of();
        }
        Map<String, String> lower = new TreeMap<>();
        metadata.forEach((k, v) -> {
            if (k != null && v != null) {
                lower.put(k.toLowerCase(Locale.ROOT), v);
            }
        });
        return Collections.unmodifiableMap(lower);
    }
}
