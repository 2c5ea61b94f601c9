package dev.hubmirror.transfer;

import dev.hubmirror.store.StoreLimits;

/**
 * How one file is cut into parts: a fixed part size (the configured one, grown in whole MiB so that no file needs
 * more parts than the store allows), the last part shorter. Files at or below the single-PUT threshold are one PUT.
 */
public record PartPlan(long fileSize, long partSize, int partCount, boolean singlePut) {

    private static final long MIB = 1024L * 1024;

    /** Plans a file of {@code size} bytes. */
    public static PartPlan of(long size, long configuredPartSize, long singlePutThreshold, StoreLimits limits) {
        if (size <= singlePutThreshold) {
            return new PartPlan(size, size, 1, true);
        }
        long part = Math.max(configuredPartSize, limits.minPartSize());
        long needed = ceilDiv(size, limits.maxParts());
        if (needed > part) {
            part = ceilDiv(needed, MIB) * MIB;
        }
        if (part > limits.maxPartSize()) {
            throw new IllegalArgumentException("file of " + size + " bytes needs parts over the store's maximum of "
                    + limits.maxPartSize() + " bytes");
        }
        return new PartPlan(size, part, (int) ceilDiv(size, part), false);
    }

    /** Byte offset of part {@code index} (0-based). */
    public long offset(int index) {
        return index * partSize;
    }

    /** Length of part {@code index} (0-based). */
    public long length(int index) {
        return Math.min(partSize, fileSize - offset(index));
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
