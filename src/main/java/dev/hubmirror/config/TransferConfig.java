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

    /** Files of one job transferred concurrently. */
    @WithDefault("4")
    int filesInFlight();

    /** Heap for part buffers across all transfers; a transfer waits for budget before it buffers a part. */
    @WithDefault("512M")
    MemorySize memoryBudget();
}
