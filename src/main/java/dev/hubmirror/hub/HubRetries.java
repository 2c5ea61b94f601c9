package dev.hubmirror.hub;

import static dev.hubmirror.log.LogKeys.ATTEMPT;
import static dev.hubmirror.log.LogKeys.DELAY_MS;
import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.PATH;
import static dev.hubmirror.log.LogKeys.REPO;
import static dev.hubmirror.log.LogKeys.REVISION;

import dev.hubmirror.failure.RetrySettings;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * When and how a failed Hub request is tried again, from the one retry settings type ({@code mirror.hub.max-attempts},
 * {@code initial-backoff}, {@code max-backoff}, {@code retry-jitter}): retriable {@link HubException}s only, the
 * server's {@code Retry-After} or {@code RateLimit} hint respected up to the maximum back-off, waits on Vert.x timers
 * (cancelling the caller cancels the timer), each retry reported to the {@link HubObserver}.
 */
final class HubRetries {

    private static final Logger LOGGER = Logger.getLogger(HubRetries.class);

    private final Vertx vertx;
    private final RetrySettings settings;
    private final HubObserver observer;

    HubRetries(Vertx vertx, RetrySettings settings, HubObserver observer) {
        this.vertx = vertx;
        this.settings = settings;
        this.observer = observer;
    }

    /** {@code attempt} subscribed to again after each retriable failure, up to the attempt limit. */
    <T> Uni<T> run(HubCall call, HubFailures failures, Supplier<Uni<? extends T>> attempt) {
        return Uni.createFrom().<T>deferred(attempt).onFailure().retry().when(errors -> {
            int[] failed = {0};
            return errors.onItem().transformToUniAndConcatenate(t -> next(call, failures, t, ++failed[0]));
        });
    }

    /**
     * Completes after the back-off when another attempt should follow {@code failed} consecutive failures, else fails
     * with {@code failure} (when it is final) or with it marked as exhausted.
     */
    Uni<Boolean> next(HubCall call, HubFailures failures, Throwable failure, int failed) {
        if (!(failure instanceof HubException e) || !e.retriable()) {
            return Uni.createFrom().failure(failure);
        }
        if (!settings.mayRetry(failed)) {
            return Uni.createFrom().failure(failures.exhausted(e, failed));
        }
        Duration delay = settings.delay(failed, e.retryAfter(), () -> ThreadLocalRandom.current().nextDouble());
        observer.retry(e.reason());
        LOGGER.debugf("hub retry" + REPO + REVISION + PATH + ATTEMPT + DELAY_MS + ERROR, call.ref().id(),
                call.commit() == null ? call.ref().revision() : call.commit(), call.path(), failed + 1,
                delay.toMillis(), e.reason());
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
