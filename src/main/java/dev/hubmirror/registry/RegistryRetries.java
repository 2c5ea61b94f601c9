package dev.hubmirror.registry;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.RetrySettings;
import dev.hubmirror.log.LogKeys;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * When a failed registry request is tried again, from the one retry settings type ({@code mirror.registry.max-attempts},
 * {@code initial-backoff}, {@code max-backoff}, {@code retry-jitter}): retriable failures only, the server's
 * {@code Retry-After} respected up to the maximum back-off, waits on Vert.x timers (cancelling the caller cancels the
 * timer), each retry reported to the {@link RegistryObserver}.
 */
final class RegistryRetries {

    private static final Logger LOGGER = Logger.getLogger(RegistryRetries.class);

    private final Vertx vertx;
    private final RetrySettings settings;
    private final RegistryObserver observer;

    RegistryRetries(Vertx vertx, RetrySettings settings, RegistryObserver observer) {
        this.vertx = vertx;
        this.settings = settings;
        this.observer = observer;
    }

    RetrySettings settings() {
        return settings;
    }

    /** {@code attempt} subscribed to again after each retriable failure, up to the attempt limit. */
    <T> Uni<T> run(RegistryCall call, Supplier<Uni<? extends T>> attempt) {
        return Uni.createFrom().<T>deferred(attempt).onFailure().retry().when(errors -> {
            int[] failed = {0};
            return errors.onItem().transformToUniAndConcatenate(t -> next(call, t, ++failed[0]));
        });
    }

    /**
     * Completes after the back-off when another attempt should follow {@code failed} consecutive failures, else fails
     * with {@code failure} (when it is final) or with it marked as exhausted.
     */
    Uni<Boolean> next(RegistryCall call, Throwable failure, int failed) {
        if (!(failure instanceof MirrorException e) || !e.retriable()) {
            return Uni.createFrom().failure(failure);
        }
        if (!settings.mayRetry(failed)) {
            return Uni.createFrom().failure(failure instanceof RegistryException r
                    ? RegistryFailures.exhausted(r, failed) : failure);
        }
        Optional<Duration> hint = failure instanceof RegistryException r ? r.retryAfter() : Optional.empty();
        Duration delay = settings.delay(failed, hint, () -> ThreadLocalRandom.current().nextDouble());
        observer.retry(call.registry(), e.reason());
        LOGGER.debugf("registry retry" + LogKeys.CALL + LogKeys.ATTEMPT + LogKeys.DELAY_MS + LogKeys.REASON, call,
                failed + 1, delay.toMillis(), e.reason());
        return wait(delay);
    }

    /** Completes after {@code delay} on a Vert.x timer. */
    Uni<Boolean> wait(Duration delay) {
        long millis = delay.toMillis();
        if (millis <= 0) {
            return Uni.createFrom().item(Boolean.TRUE);
        }
        return Uni.createFrom().emitter(emitter -> {
            long timer = vertx.setTimer(millis, id -> emitter.complete(Boolean.TRUE));
            emitter.onTermination(() -> vertx.cancelTimer(timer));
        });
    }
}
