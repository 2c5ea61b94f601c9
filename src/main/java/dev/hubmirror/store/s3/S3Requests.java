package dev.hubmirror.store.s3;

import static dev.hubmirror.log.LogKeys.ATTEMPT;
import static dev.hubmirror.log.LogKeys.DELAY_MS;
import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.OBJECT;
import static dev.hubmirror.log.LogKeys.PART;
import static dev.hubmirror.log.LogKeys.STORE;
import static dev.hubmirror.log.LogKeys.UPLOAD_ID;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.failure.RetrySettings;
import dev.hubmirror.store.StoreException;
import dev.hubmirror.store.StoreObserver;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * How an {@link S3ObjectStore} sends every request: lazily, re-sent with its retry settings while it fails retriably
 * (the SDK's own retries are off), each retry reported to the store's observer, the final failure translated at the
 * adapter's boundary and naming the call.
 */
final class S3Requests {

    private static final Logger LOGGER = Logger.getLogger(S3Requests.class);

    private final RetrySettings retry;
    private final StoreObserver observer;

    S3Requests(RetrySettings retry, StoreObserver observer) {
        this.retry = retry;
        this.observer = observer;
    }

    /**
     * Sends a request lazily: every subscription calls {@code request} again, and retriable failures are re-sent
     * with back-off until the retry settings give up. Failures come out as {@link StoreException}s that
     * name the call, with the number of attempts when there was more than one.
     */
    <T> Uni<T> send(S3Call call, Supplier<CompletableFuture<T>> request) {
        return Uni.createFrom().deferred(() -> {
            AtomicInteger attempts = new AtomicInteger();
            AtomicReference<Reason> lastFailure = new AtomicReference<>();
            Uni<T> once = Uni.createFrom().completionStage(() -> {
                if (attempts.incrementAndGet() > 1) {
                    observer.retry(lastFailure.get());
                }
                return request.get();
            }).onFailure().transform(call::translate);
            Uni<T> retried = once.onFailure(S3Requests::isRetriable).retry().when(failures -> failures
                    .onItem().transformToUniAndConcatenate(e -> {
                        int failed = attempts.get();
                        if (!retry.mayRetry(failed)) {
                            return Uni.createFrom().failure(e);
                        }
                        lastFailure.set(((StoreException) e).reason());
                        Duration wait = retry.delay(failed);
                        LOGGER.debugf("s3 request failed, retrying" + STORE + OBJECT + UPLOAD_ID + PART + ATTEMPT
                                + DELAY_MS + ERROR, "s3", call.key(), call.uploadId(), call.part(), failed + 1,
                                wait.toMillis(), e.getMessage());
                        return Uni.createFrom().item(Boolean.TRUE).onItem().delayIt().by(wait);
                    }));
            return retried.onFailure().transform(e -> finalFailure(call, e, attempts.get()));
        });
    }

    /** Whether sending the same request again may help: retriable, and not aimed at an upload that no longer exists. */
    private static boolean isRetriable(Throwable e) {
        return e instanceof StoreException s && s.retriable() && !S3Call.isNoSuchUpload(s);
    }

    private static StoreException finalFailure(S3Call call, Throwable failure, int attempts) {
        StoreException e = null;
        for (Throwable c = failure; c != null && e == null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof StoreException s) {
                e = s;
            }
        }
        if (e == null) {
            e = call.translate(failure);
        }
        if (attempts <= 1) {
            return e;
        }
        return new StoreException(e.reason(), e.retriable(), e.getMessage() + " (gave up after " + attempts
                + " attempts)", e.getCause());
    }}
