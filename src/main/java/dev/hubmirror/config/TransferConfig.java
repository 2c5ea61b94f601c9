package dev.hubmirror.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How file bytes move: part sizes, concurrency and the memory budget. */
@ConfigMapping(prefix = "mirror.transfer")
public interface TransferConfig {

    /** Size of one multipart part (grown when a file would need more than the store's part limit). */
    @WithDefault("16M")
    MemorySize partSize();

    /** Files at or below this size are written with a single PUT. */
    @WithDefault("16M")
    MemorySize singlePutThreshold();

    /** Parts of one file uploaded concurrently. */
    @WithDefault("4")
    int partsInFlight();

    /**
     * Parts of one file fetched concurrently, each as its own Range request; the whole-file hash still sees the parts
     * in file order (a part that arrives early waits in memory for the earlier ones).
     */
    @WithDefault("4")
    int fetchesPerFile();

    /**
     * Files of one job started at once. This is a cap on bookkeeping, not the throttle: how many really move at once is
     * bounded by the memory budget (every file waits for its buffers) and by the Hub connections
     * ({@code mirror.hub.max-connections-per-host}), so many small files overlap their round trips.
     */
    @WithDefault("32")
    int filesInFlight();

    /**
     * Attempts for one whole file, the first included, when it fails with a retriable store failure that per-request
     * retries cannot fix (an expired GCS resumable session, an S3 upload that vanished, a store that stayed
     * unreachable): the file starts again from its first byte after {@link #fileRetryBackoff()}.
     */
    @WithDefault("3")
    int fileAttempts();

    /** The wait before a whole file is tried again the first time (doubled per attempt, with jitter). */
    @WithDefault("2s")
    Duration fileRetryBackoff();

    /** The longest wait between two attempts of a whole file. */
    @WithDefault("60s")
    Duration fileRetryMaxBackoff();

    /** The random fraction of each wait between attempts of a whole file, 0 to 1. */
    @WithDefault("0.5")
    double fileRetryJitter();

    /**
     * Memory for file data across all transfers: every part buffer, small file and store upload chunk is granted from
     * it first (a transfer waits for its turn), so file data never takes more. It is direct (off-heap) memory, allocated
     * in pages as needed and reused; size {@code -XX:MaxDirectMemorySize} for it (docs/deployment.md). Must hold at
     * least one part and one single-PUT file (checked at startup).
     */
    @WithDefault("512M")
    MemorySize memoryBudget();

    /**
     * The page size of the buffer pool: buffers are made of pages, and the budget counts whole pages (a 10 KiB file
     * takes one page). A power of two from 4K to 16M.
     */
    @WithDefault("64K")
    MemorySize pageSize();
}
