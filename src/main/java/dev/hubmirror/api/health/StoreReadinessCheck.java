package dev.hubmirror.api.health;

import dev.hubmirror.config.HealthConfig;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.store.ObjectStore;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
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

    public StoreReadinessCheck(ObjectStore store, HealthConfig config) {
        String url = store.url("");
        this.cache = new ProbeCache(NAME, () -> store.probe()
                .map(ignored -> base(store, url).up().build())
                .onFailure().recoverWithItem(e -> {
                    MirrorException failure = MirrorException.of(e);
                    LOGGER.warnf("store not ready store=%s url=%s error=%s: %s", store.kind(), url, failure.reason(),
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
}
