package dev.hubmirror.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Job admission and concurrency. */
@ConfigMapping(prefix = "mirror.jobs")
public interface JobConfig {

    /** Jobs running at once on this instance; further jobs wait QUEUED. */
    @WithDefault("2")
    int concurrency();

    /** Jobs waiting in the queue before submissions are refused with 429. */
    @WithDefault("1000")
    int queueCapacity();

    /** Repos one submission may name. */
    @WithDefault("100")
    int maxReposPerRequest();

    /**
     * Most files one job may select (after include/exclude); a larger job fails with {@code JOB_TOO_LARGE} after
     * listing, before anything is transferred. The tree listing itself is bounded by {@code mirror.hub.max-files}.
     */
    @WithDefault("100000")
    int maxFilesPerJob();

    /**
     * Most bytes one job may select (after include/exclude); a larger job fails with {@code JOB_TOO_LARGE} after
     * listing, before anything is transferred.
     */
    @WithDefault("5T")
    MemorySize maxBytesPerJob();

    /** How long finished jobs stay listed. */
    @WithDefault("24h")
    Duration retention();

    /**
     * How often {@code GET /v1/jobs/{id}/events} samples a job; an event is sent when the job changed since the last
     * one (and at least every 15 seconds, as a keep-alive).
     */
    @WithDefault("1s")
    Duration eventsInterval();
}
