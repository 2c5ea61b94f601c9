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

    /** Files of one job transferred concurrently. */
    @WithDefault("4")
    int filesInFlight();

    /**
     * Attempts for one whole file, the first included, when it fails with a retriable store failure that per-request
     * retries cannot fix (an expired GCS resumable session, an S3 upload that vanished, a store that stayed
     * unreachable): the file starts again from its first byte after {@link #fileRetryBackoff()}.
     */
    @WithDefault("3")
    int fileAttempts();

    /** The wait before a whole file is tried again (doubled per attempt). */
    @WithDefault("2s")
    Duration fileRetryBackoff();

    /**
     * Heap for part buffers across all transfers; a transfer waits for budget before it buffers a part. Must hold at
     * least one part and one single-PUT file (checked at startup).
     */
    @WithDefault("512M")
    MemorySize memoryBudget();
}
