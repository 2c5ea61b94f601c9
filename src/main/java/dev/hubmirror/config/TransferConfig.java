package dev.hubmirror.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

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
     * Heap for part buffers across all transfers; a transfer waits for budget before it buffers a part. Must hold at
     * least one part and one single-PUT file (checked at startup).
     */
    @WithDefault("512M")
    MemorySize memoryBudget();
}
