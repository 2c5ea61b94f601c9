package dev.hubmirror.api.health;

import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.STORE;
import static dev.hubmirror.log.LogKeys.URL;

import dev.hubmirror.config.HealthConfig;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.failure.RetryLaterException;
import dev.hubmirror.store.ObjectStore;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * Readiness: the store is reachable and writable ({@link ObjectStore#probe()}: a small object written and deleted
 * under the prefix). A pod that cannot write its store leaves the Service until it can. The result is reused for
 * {@code mirror.health.store-check-interval} ({@link ProbeCache}).
 */
@Readiness
@ApplicationScoped
public class StoreReadinessCheck implements AsyncHealthCheck {

    static final String NAME = "store";
    private static final Logger LOGGER = Logger.getLogger(StoreReadinessCheck.class);

    private final ProbeCache cache;
    private final String url;
    private final Duration interval;

    public StoreReadinessCheck(ObjectStore store, HealthConfig config) {
        this.url = store.url("");
        this.interval = config.storeCheckInterval();
        this.cache = new ProbeCache(NAME, () -> store.probe()
                .map(ignored -> base(store, url).up().build())
                .onFailure().recoverWithItem(e -> {
                    MirrorException failure = MirrorException.of(e);
                    LOGGER.warnf("store not ready" + STORE + URL + ERROR + ": %s", store.kind(), url, failure.reason(),
                            failure.getMessage());
                    return base(store, url).down().withData("reason", failure.reason().name())
                            .withData("error", failure.getMessage()).build();
                }),
                config.storeCheckInterval(), config.probeTimeout(),
                () -> base(store, url).down().withData("reason", "TIMEOUT").withData("error", "the store probe took "
                        + "longer than " + config.probeTimeout() + " (mirror.health.probe-timeout)").build());
    }

    private static org.eclipse.microprofile.health.HealthCheckResponseBuilder base(ObjectStore store, String url) {
        return HealthCheckResponse.named(NAME).withData("kind", store.kind()).withData("url", url)
                .withData("checkedAt", Instant.now().toString());
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return cache.get();
    }

    /**
     * Completes when the store is ready (its latest probe succeeded); fails with {@link Reason#STORE_NOT_READY}
     * naming the store and its problem otherwise, so that a submission is refused instead of failing later.
     */
    public Uni<Void> requireReady() {
        return cache.getUnlessStaleDown().map(response -> {
            if (response.getStatus() == HealthCheckResponse.Status.UP) {
                return null;
            }
            Map<String, Object> data = response.getData().orElse(Map.of());
            throw new RetryLaterException(Reason.STORE_NOT_READY, "the store " + url + " is not ready (readiness "
                    + "check '" + NAME + "' is DOWN, " + data.getOrDefault("reason", "?") + ": "
                    + data.getOrDefault("error", "no detail") + "); nothing was submitted: fix the store, then submit "
                    + "again (it is probed every " + interval + ", mirror.health.store-check-interval)", interval);
        });
    }
}
