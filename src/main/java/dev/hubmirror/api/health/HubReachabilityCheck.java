package dev.hubmirror.api.health;

import dev.hubmirror.config.HealthConfig;
import dev.hubmirror.config.HubConfig;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.hub.HubClient;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Reports whether the Hub answers, without ever failing readiness: a pod that cannot reach the Hub can still serve
 * job status and verify snapshots, and taking every pod out of the Service would not bring the Hub back. The check
 * is always UP; {@code data.reachable} says whether the Hub answered ({@code data.status}: its HTTP status) and
 * {@code data.error} why not. The result is reused for {@code mirror.health.hub-check-interval}.
 */
@Readiness
@ApplicationScoped
public class HubReachabilityCheck implements AsyncHealthCheck {

    static final String NAME = "hub";

    private final ProbeCache cache;

    public HubReachabilityCheck(HubClient hub, HubConfig hubConfig, HealthConfig config) {
        String endpoint = hubConfig.endpoint();
        this.cache = new ProbeCache(NAME, () -> hub.probe()
                .map(status -> base(endpoint).withData("reachable", true).withData("status", status).build())
                .onFailure().recoverWithItem(e -> base(endpoint).withData("reachable", false)
                        .withData("error", MirrorException.of(e).getMessage()).build()),
                config.hubCheckInterval(), config.probeTimeout(),
                () -> base(endpoint).withData("reachable", false).withData("error", "no answer within "
                        + config.probeTimeout() + " (mirror.health.probe-timeout)").build());
    }

    private static HealthCheckResponseBuilder base(String endpoint) {
        return HealthCheckResponse.named(NAME).up().withData("endpoint", endpoint)
                .withData("checkedAt", Instant.now().toString());
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return cache.get();
    }
}
