package dev.hubmirror.store.gcs;

import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.KEY;
import static dev.hubmirror.log.LogKeys.STORE;
import static dev.hubmirror.log.LogKeys.UPLOAD_ID;

import com.google.cloud.WriteChannel;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.store.CheckedMultipartUpload;
import dev.hubmirror.store.Part;
import dev.hubmirror.store.PartReceipt;
import dev.hubmirror.store.StoreException;
import io.smallrye.mutiny.Uni;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * One object being written through a GCS resumable-upload session: a sequential byte stream fed by parts that may
 * arrive in any order and concurrently.
 *
 * <p><b>In-order gate.</b> A part whose offset is beyond the bytes written so far waits, without holding a thread,
 * until the bytes before it are written; then it is written on the worker pool, one part at a time. A waiting part is
 * held by reference only (its buffer belongs to the caller, who holds it until the part's Uni completes), so the gate
 * adds no memory. A part that was already written (a re-sent part) succeeds at once, and only the bytes beyond what
 * was written are sent, so a caller's retry never duplicates bytes.
 *
 * <p><b>Failures.</b> The client retries a failed request itself, resuming from the offset the session reports. A
 * failure that still reaches this class leaves the stream in an unknown state, so the upload fails as a whole: every
 * later call fails with the same retriable error, and the caller aborts and restarts the file.
 *
 * <p><b>State.</b> Where the session stands is a {@link SessionState} held by a {@link SessionGate}, which also holds
 * the waiting parts; this class does the I/O the gate's answers call for.
 *
 * <p><b>Visibility.</b> Only {@link #complete} closes the channel, which sends the request with the total size that
 * makes GCS create the object. {@link #abort} never closes it; it cancels the session.
 */
final class GcsUpload extends CheckedMultipartUpload {

    private static final Logger LOGGER = Logger.getLogger(GcsUpload.class);

    private final GcsObjectStore store;
    private final String id;
    private final WriteChannel channel;
    private final Optional<String> sessionUri;
    private final SessionGate gate;

    GcsUpload(GcsObjectStore store, String key, String id, long size, WriteChannel channel, Optional<String> sessionUri) {
        super(key, size, GcsObjectStore.LIMITS);
        this.store = store;
        this.id = id;
        this.channel = channel;
        this.sessionUri = sessionUri;
        this.gate = new SessionGate(key, id, size);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    protected Uni<PartReceipt> uploadChecked(Part part) {
        return when("uploadPart", () -> gate.write(part.offset()), go -> write(part, go.written()), null);
    }

    @Override
    protected Uni<Void> completeChecked(List<PartReceipt> sorted) {
        return when("complete", gate::complete, go -> close(), null);
    }

    @Override
    protected Uni<Void> abortChecked() {
        return store.blocking("abort", key(), () -> {
            StoreException aborted = new StoreException(Reason.STORE_ERROR, false,
                    "upload " + id + " of store key '" + key() + "' was aborted", null);
            List<CompletableFuture<Void>> waiters = gate.abort(aborted);
            if (waiters == null) {
                return null;
            }
            waiters.forEach(f -> f.completeExceptionally(aborted));
            // never channel.close() here: closing sends the final request, which creates the object
            sessionUri.ifPresent(uri -> store.cancelSession(uri, key()));
            LOGGER.debugf("upload aborted" + STORE + KEY + UPLOAD_ID, "gcs", key(), id);
            return null;
        });
    }

    /**
     * Asks the gate for a turn on a worker thread and acts on its answer: {@code go} there and then, with the session
     * held (so a turn is never granted to a caller that is gone); again once a wait is over, without a thread;
     * {@code done} (the item) when there is nothing to do; a failure when refused.
     */
    private <T> Uni<T> when(String operation, Supplier<SessionGate.Turn> ask, Function<SessionGate.Go, T> go, T done) {
        return store.blocking(operation, key(), () -> {
            SessionGate.Turn turn = ask.get();
            return turn instanceof SessionGate.Go g ? new Step<>(go.apply(g), null) : new Step<T>(null, turn);
        }).chain(step -> {
            if (step.turn() == null) {
                return Uni.createFrom().item(step.value());
            }
            if (step.turn() instanceof SessionGate.Wait w) {
                // copy(): a cancelled subscriber must not cancel the future other parts wait on
                return Uni.createFrom().completionStage(() -> w.ready().copy())
                        .chain(() -> when(operation, ask, go, done));
            }
            if (step.turn() instanceof SessionGate.Refused r) {
                return Uni.createFrom().failure(r.cause());
            }
            return Uni.createFrom().item(done);
        });
    }

    /** What a turn on a worker gave: the value of a granted turn, or the answer that was not a grant. */
    private record Step<T>(T value, SessionGate.Turn turn) {
    }

    /** Writes the part's bytes beyond the {@code written} already sent, holding the session (worker threads only). */
    private PartReceipt write(Part part, long written) {
        long end = part.offset() + part.length();
        if (end > written) {
            long skip = written - part.offset();
            try {
                for (ByteBuffer data : part.content().views()) {
                    int drop = (int) Math.min(skip, data.remaining());
                    data.position(data.position() + drop);
                    skip -= drop;
                    while (data.hasRemaining()) {
                        channel.write(data);
                    }
                }
            } catch (IOException | RuntimeException e) {
                throw fail(store.translate("uploadPart", key(), e, true));
            }
        }
        gate.wrote(end).forEach(f -> f.complete(null));
        return new PartReceipt(part.number(), part.offset(), part.length(), part.offset() + "+" + part.length());
    }

    /** Closes the channel, which creates the object (worker threads only). */
    private Void close() {
        try {
            channel.close();
        } catch (IOException | RuntimeException e) {
            throw fail(store.translate("complete", key(), e, true));
        }
        gate.closed().forEach(f -> f.complete(null));
        LOGGER.debugf("upload completed" + STORE + KEY + UPLOAD_ID, "gcs", key(), id);
        return null;
    }

    /** Fails the whole upload and every waiting part with {@code e}; returns it to throw. */
    private StoreException fail(StoreException e) {
        gate.failed(e).forEach(f -> f.completeExceptionally(e));
        LOGGER.debugf("upload failed" + STORE + KEY + UPLOAD_ID + ERROR, "gcs", key(), id, e.reason());
        return e;
    }
}
