package dev.hubmirror.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Health checks on the management interface ({@code /q/health/*}). */
@ConfigMapping(prefix = "mirror.health")
public interface HealthConfig {

    /**
     * How long a store probe's result is reused before readiness probes the store again (a write and a delete of a
     * small object); a check never waits for a refresh once a result exists.
     */
    @WithDefault("10s")
    Duration storeCheckInterval();

    /**
     * With Kafka on: how long the result of the Kafka check (a broker answers, every configured topic exists) is
     * reused; submissions are refused with 503 while it is DOWN.
     */
    @WithDefault("10s")
    Duration kafkaCheckInterval();

    /** How long the Hub reachability result is reused before the next request to the Hub. */
    @WithDefault("60s")
    Duration hubCheckInterval();

    /**
     * How long the Hub token check ({@code GET /api/whoami-v2} per configured token) is reused before the tokens are
     * checked again; the first check runs at startup.
     */
    @WithDefault("10m")
    Duration tokenCheckInterval();

    /**
     * Longest wait for one probe; a store probe that takes longer counts as a failure. Only the first check after
     * start waits for a probe, so keep this below the readiness probe's timeout (3 s in k8s/base).
     */
    @WithDefault("2s")
    Duration probeTimeout();
}
