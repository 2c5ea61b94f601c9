package dev.hubmirror.transfer;

import dev.hubmirror.memory.BufferPool;

/**
 * How one file moves: the part size, which files go in one PUT, and how many parts of a file are fetched and
 * uploaded at once.
 *
 * @param partSize the size of one part of a multipart upload (grown for files that would need more parts than the
 *     store allows)
 * @param singlePutThreshold files of at most this many bytes are fetched whole and written with one PUT
 * @param fetchesPerFile Range requests of one file in flight at once (a part waiting for budget counts)
 * @param partsInFlight part uploads of one file in flight at once
 */
public record TransferSettings(long partSize, long singlePutThreshold, int fetchesPerFile, int partsInFlight) {

    /** Largest part one buffer may hold (parts are counted in pages, but a part is one store request). */
    public static final long MAX_PART = Integer.MAX_VALUE - 8;

    /**
     * Validates the values.
     *
     * @throws IllegalArgumentException naming the config keys to change
     */
    public TransferSettings {
        if (partsInFlight < 1) {
            throw new IllegalArgumentException("mirror.transfer.parts-in-flight must be at least 1, got "
                    + partsInFlight);
        }
        if (fetchesPerFile < 1) {
            throw new IllegalArgumentException("mirror.transfer.fetches-per-file must be at least 1, got "
                    + fetchesPerFile);
        }
        if (partSize < 1 || partSize > MAX_PART) {
            throw new IllegalArgumentException("mirror.transfer.part-size must be between 1 byte and " + MAX_PART
                    + " bytes, got " + partSize);
        }
        if (singlePutThreshold < 0 || singlePutThreshold > MAX_PART) {
            throw new IllegalArgumentException("mirror.transfer.single-put-threshold must be between 0 and "
                    + MAX_PART + " bytes, got " + singlePutThreshold);
        }
    }

    /**
     * Checks these settings against the memory budget, so that a part that could never be buffered fails at startup
     * instead of waiting forever: one part and one single-PUT file must each fit the budget.
     *
     * @throws IllegalArgumentException naming the config keys to change
     */
    public void checkAgainst(BufferPool pool) {
        long need = Math.max(pool.footprint(partSize), pool.footprint(singlePutThreshold));
        if (need > pool.capacity()) {
            throw new IllegalArgumentException("mirror.transfer.memory-budget (" + pool.capacity() + " bytes) is "
                    + "smaller than one buffer: mirror.transfer.part-size is " + partSize
                    + " bytes and mirror.transfer.single-put-threshold " + singlePutThreshold + " bytes. Raise the "
                    + "budget to at least " + need + " bytes (better: a few times fetches-per-file x part-size per "
                    + "file in flight) or lower the sizes.");
        }
    }
}
