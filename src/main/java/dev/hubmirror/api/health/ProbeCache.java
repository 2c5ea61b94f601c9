package dev.hubmirror.api.health;

import static dev.hubmirror.log.LogKeys.CHECK;
import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.STATUS;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.jboss.logging.Logger;

/**
 * The latest result of a probe, refreshed in the background: a health check answers at once with the last result and,
 * when that is older than the interval, starts one refresh (never two at once). Only the very first check waits for
 * the probe, bounded by the timeout. Kubelet probes every few seconds thus cost one store or Hub request per interval,
 * and a slow store never makes a probe time out.
 */
public final class ProbeCache {

    private static final Logger LOGGER = Logger.getLogger(ProbeCache.class);

    private final String name;
    private final Supplier<Uni<HealthCheckResponse>> probe;
    private final long intervalNanos;
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private final Uni<HealthCheckResponse> first;
    private volatile HealthCheckResponse last;
    private volatile long lastAt;
    /** The refresh running, or the last one; guarded by {@code this}. */
    private Uni<HealthCheckResponse> running;

    /**
     * @param probe builds a fresh probe; it must not fail (map failures to a DOWN response), a timeout is added here
     * @param timedOut the response when the probe takes longer than {@code timeout}
     */
    public ProbeCache(String name, Supplier<Uni<HealthCheckResponse>> probe, Duration interval, Duration timeout,
            Supplier<HealthCheckResponse> timedOut) {
        this.name = name;
        this.intervalNanos = interval.toNanos();
        this.probe = () -> Uni.createFrom().<HealthCheckResponse>deferred(probe::get)
                .ifNoItem().after(timeout).recoverWithItem(timedOut)
                .invoke(response -> {
                    last = response;
                    lastAt = System.nanoTime();
                });
        this.first = this.probe.get().memoize().indefinitely();
    }

    /** The latest result; starts a refresh when it is stale. */
    public Uni<HealthCheckResponse> get() {
        HealthCheckResponse current = last;
        if (current == null) {
            return first;
        }
        if (stale()) {
            refresh();
        }
        return Uni.createFrom().item(current);
    }

    /**
     * The latest result, except that a stale DOWN result waits for a fresh probe (bounded by the timeout): a
     * submission refused for a dependency that is down must not be refused for one that came back since. A stale UP
     * result is answered at once, as by {@link #get()}.
     */
    public Uni<HealthCheckResponse> getUnlessStaleDown() {
        HealthCheckResponse current = last;
        if (current == null) {
            return first;
        }
        if (!stale()) {
            return Uni.createFrom().item(current);
        }
        Uni<HealthCheckResponse> fresh = refresh();
        return current.getStatus() == HealthCheckResponse.Status.UP ? Uni.createFrom().item(current) : fresh;
    }

    private boolean stale() {
        return System.nanoTime() - lastAt > intervalNanos;
    }

    /** Starts one refresh (or joins the one running) and returns its result. */
    private synchronized Uni<HealthCheckResponse> refresh() {
        if (refreshing.compareAndSet(false, true)) {
            Uni<HealthCheckResponse> started = probe.get().eventually(() -> refreshing.set(false))
                    .memoize().indefinitely();
            running = started;
            started.subscribe().with(
                    response -> LOGGER.debugf("health probe refreshed" + CHECK + STATUS, name, response.getStatus()),
                    failure -> LOGGER.warnf("health probe failed" + CHECK + ERROR, name, failure.getMessage()));
        }
        return running;
    }
}
