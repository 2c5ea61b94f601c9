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
     * Include and exclude patterns one submission may carry, over all its repos (REST and Kafka requests alike); more
     * are refused with 400 {@code INVALID_REQUEST}.
     */
    @WithDefault("1000")
    int maxPatternsPerRequest();

    /** Longest include or exclude pattern accepted, in characters; a longer one is refused with 400. */
    @WithDefault("1024")
    int maxPatternLength();

    /**
     * Job records this instance keeps at once: queued, running, and finished ones until {@link #retention()} passed.
     * A submission whose new jobs would exceed it is refused with 429 {@code TOO_MANY_JOBS} (nothing is submitted).
     */
    @WithDefault("10000")
    int maxRetained();

    /**
     * Estimated heap those job records may hold together (their repo, revision, patterns, messages); a submission
     * that would exceed it is refused with 429 {@code TOO_MANY_JOBS}, one that alone exceeds it with 413
     * {@code REQUEST_TOO_LARGE}.
     */
    @WithDefault("64M")
    MemorySize maxRetainedBytes();

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
