package dev.hubmirror.store;


/**
 * How one object is cut into parts: a fixed part size (the configured one, grown in whole MiB so that no object needs
 * more parts than the store allows), the last part shorter. Files at or below the single-PUT threshold are one PUT.
 * The one planner of the service: the transfer engine plans each file's upload with it, and a store plans a
 * server-side copy in parts with it (S3's UploadPartCopy).
 * Offsets and sizes are {@code long} throughout (a 60 GB file's last parts start past 2^32); the part count fits an
 * {@code int} because it is at most the store's part limit.
 */
public record PartPlan(long fileSize, long partSize, int partCount, boolean singlePut) {

    private static final long MIB = 1024L * 1024;

    /** Plans a file of {@code size} bytes. */
    public static PartPlan of(long size, long configuredPartSize, long singlePutThreshold, StoreLimits limits) {
        if (size <= singlePutThreshold) {
            return new PartPlan(size, size, 1, true);
        }
        return inParts(size, configuredPartSize, limits);
    }

    /** Plans an object of {@code size} bytes in parts of about {@code configuredPartSize}, whatever its size. */
    public static PartPlan inParts(long size, long configuredPartSize, StoreLimits limits) {
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
        return Math.multiplyExact((long) index, partSize);
    }

    /** Length of part {@code index} (0-based). */
    public long length(int index) {
        return Math.min(partSize, fileSize - offset(index));
    }

    /** {@code ceil(a / b)} for {@code a >= 0, b > 0}, without the overflow of {@code (a + b - 1) / b}. */
    private static long ceilDiv(long a, long b) {
        return a / b + (a % b == 0 ? 0 : 1);
    }
}
