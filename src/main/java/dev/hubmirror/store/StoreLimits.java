package dev.hubmirror.store;

/**
 * Limits that shape how files are cut into parts: S3 allows 10,000 parts of 5 MiB to 5 GiB (the last part may be
 * smaller) and single PUTs up to 5 GiB.
 */
public record StoreLimits(long minPartSize, long maxPartSize, int maxParts) {

    /** The S3 limits, also used by stores that have none of their own. */
    public static final StoreLimits S3 = new StoreLimits(5L * 1024 * 1024, 5L * 1024 * 1024 * 1024, 10_000);
}
