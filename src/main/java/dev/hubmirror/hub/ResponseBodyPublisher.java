package dev.hubmirror.hub;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * One HTTP response body as a Reactive Streams publisher with real back-pressure. On subscription it sends the request
 * ({@code open}), which completes with the response paused; then it asks Vert.x for one network chunk per item the
 * subscriber requested ({@code fetch(n)}), so no more than the socket buffers are read ahead. It expects exactly
 * {@link Opened#expected()} bytes: a longer body fails before the extra bytes are delivered, a shorter one fails once it
 * ended. The idle timeout only runs while the subscriber is waiting for bytes, so a slow subscriber does not look like
 * a stalled server. All work runs on one Vert.x context; cancelling resets the request (closing the connection, since
 * its body was not read), also when it comes before the response.
 */
final class ResponseBodyPublisher implements Flow.Publisher<ByteBuffer> {

    /**
     * A response whose status and headers were accepted, paused before its first body byte.
     *
     * @param expected how many body bytes it must carry
     */
    record Opened(HttpClientRequest request, HttpClientResponse response, URI url, long expected) {
    }

    /** Turns what went wrong while reading the body into the failure the subscriber sees. */
    interface Failures {

        /** The connection failed or was closed mid-body. */
        HubException connection(URI url, Throwable cause);

        /** No byte arrived for the idle timeout while the subscriber was waiting. */
        HubException idle(URI url, long idleMillis);

        /** More bytes arrived than expected. */
        HubException tooLong(URI url, long received, long expected);

        /** The body ended cleanly after fewer bytes than expected. */
        HubException tooShort(URI url, long received, long expected);
    }

    private final Vertx vertx;
    private final Context context;
    private final Supplier<Future<Opened>> open;
    private final long idleNanos;
    private final LongConsumer onDelivered;
    private final Failures failures;
    private final AtomicBoolean subscribed = new AtomicBoolean();

    // confined to the context
    private Flow.Subscriber<? super ByteBuffer> subscriber;
    private Opened opened;
    private long demand;
    private long received;
    private boolean done;
    private long waitingSince = -1;
    private long timerId = -1;

    /**
     * @param open        sends the request; called once, on {@code context}
     * @param onDelivered told the size of each chunk just before the subscriber gets it
     */
    ResponseBodyPublisher(Vertx vertx, Context context, Supplier<Future<Opened>> open, long idleMillis,
            LongConsumer onDelivered, Failures failures) {
        this.vertx = vertx;
        this.context = context;
        this.open = open;
        this.idleNanos = idleMillis * 1_000_000L;
        this.onDelivered = onDelivered;
        this.failures = failures;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> s) {
        if (!subscribed.compareAndSet(false, true)) {
            s.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                    // nothing to deliver
                }

                @Override
                public void cancel() {
                    // nothing to cancel
                }
            });
            s.onError(new IllegalStateException("a response body can be subscribed to once"));
            return;
        }
        context.runOnContext(v -> start(s));
    }

    private void start(Flow.Subscriber<? super ByteBuffer> s) {
        subscriber = s;
        s.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                context.runOnContext(v -> onRequest(n));
            }

            @Override
            public void cancel() {
                context.runOnContext(v -> onCancel());
            }
        });
        if (done) {
            return;
        }
        Future<Opened> response;
        try {
            response = open.get();
        } catch (RuntimeException e) {
            response = Future.failedFuture(e);
        }
        response.onComplete(ar -> {
            if (ar.failed()) {
                if (!done) {
                    done = true;
                    subscriber.onError(ar.cause());
                }
            } else if (done) {
                ar.result().request().reset();
            } else {
                startBody(ar.result());
            }
        });
    }

    private void startBody(Opened o) {
        opened = o;
        HttpClientResponse response = o.response();
        response.handler(this::onChunk);
        response.endHandler(v -> onEnd());
        response.exceptionHandler(this::onException);
        if (demand > 0) {
            waitingSince = System.nanoTime();
            response.fetch(demand);
        }
        if (idleNanos > 0) {
            scheduleIdleCheck(idleNanos);
        }
    }

    private void onRequest(long n) {
        if (done) {
            return;
        }
        if (n <= 0) {
            fail(new IllegalArgumentException("Reactive Streams rule 3.9: request must be positive, got " + n));
            return;
        }
        if (demand == 0) {
            waitingSince = System.nanoTime();
        }
        demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
        if (opened != null) {
            opened.response().fetch(n);
        }
    }

    private void onChunk(Buffer chunk) {
        if (done) {
            return;
        }
        int length = chunk.length();
        if (length == 0) {
            opened.response().fetch(1);
            return;
        }
        long expected = opened.expected();
        if (received + length > expected) {
            fail(failures.tooLong(opened.url(), received + length, expected));
            return;
        }
        if (demand == 0) {
            fail(new IllegalStateException("response delivered a chunk nobody requested"));
            return;
        }
        received += length;
        demand--;
        waitingSince = demand > 0 ? System.nanoTime() : -1;
        onDelivered.accept(length);
        subscriber.onNext(chunk.getByteBuf().nioBuffer());
        if (received == expected && !done) {
            // pull the end of the response (or the byte too many) without waiting for more demand
            opened.response().fetch(1);
        }
    }

    private void onEnd() {
        if (done) {
            return;
        }
        if (received < opened.expected()) {
            fail(failures.tooShort(opened.url(), received, opened.expected()));
            return;
        }
        done = true;
        cancelTimer();
        subscriber.onComplete();
    }

    private void onException(Throwable t) {
        if (done) {
            return;
        }
        fail(failures.connection(opened.url(), t));
    }

    private void onCancel() {
        if (done) {
            return;
        }
        done = true;
        cancelTimer();
        if (opened != null) {
            opened.request().reset();
        }
    }

    private void fail(Throwable failure) {
        done = true;
        cancelTimer();
        if (opened != null) {
            opened.request().reset();
        }
        subscriber.onError(failure);
    }

    private void scheduleIdleCheck(long delayNanos) {
        timerId = vertx.setTimer(Math.max(1, delayNanos / 1_000_000L), id -> checkIdle());
    }

    private void checkIdle() {
        timerId = -1;
        if (done) {
            return;
        }
        if (waitingSince == -1) {
            scheduleIdleCheck(idleNanos);
            return;
        }
        long waited = System.nanoTime() - waitingSince;
        if (waited >= idleNanos) {
            fail(failures.idle(opened.url(), idleNanos / 1_000_000L));
        } else {
            scheduleIdleCheck(idleNanos - waited);
        }
    }

    private void cancelTimer() {
        if (timerId != -1) {
            vertx.cancelTimer(timerId);
            timerId = -1;
        }
    }
}
