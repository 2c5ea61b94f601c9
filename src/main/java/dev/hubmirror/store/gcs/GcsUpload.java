package dev.hubmirror.store.gcs;

import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.KEY;
import static dev.hubmirror.log.LogKeys.STORE;
import static dev.hubmirror.log.LogKeys.UPLOAD_ID;

import com.google.cloud.WriteChannel;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.store.MultipartUpload;
import dev.hubmirror.store.Part;
import dev.hubmirror.store.PartReceipt;
import dev.hubmirror.store.StoreException;
import io.smallrye.mutiny.Uni;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
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
 * <p><b>Visibility.</b> Only {@link #complete} closes the channel, which sends the request with the total size that
 * makes GCS create the object. {@link #abort} never closes it; it cancels the session.
 */
final class GcsUpload implements MultipartUpload {

    private static final Logger LOGGER = Logger.getLogger(GcsUpload.class);

    private enum State {
        OPEN, COMPLETED, ABORTED, FAILED
    }

    private final GcsObjectStore store;
    private final String key;
    private final String id;
    private final long size;
    private final WriteChannel channel;
    private final Optional<String> sessionUri;

    /** Held while a part is written to or the channel is closed: one writer at a time. */
    private final Object writer = new Object();
    /** Guards the fields below; never held during IO. */
    private final Object lock = new Object();
    private final TreeMap<Long, CompletableFuture<Void>> waiting = new TreeMap<>();
    private long written;
    private State state = State.OPEN;
    private StoreException failure;

    GcsUpload(GcsObjectStore store, String key, String id, long size, WriteChannel channel, Optional<String> sessionUri) {
        this.store = store;
        this.key = key;
        this.id = id;
        this.size = size;
        this.channel = channel;
        this.sessionUri = sessionUri;
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public Uni<PartReceipt> uploadPart(Part part) {
        return Uni.createFrom().deferred(() -> {
            long end = part.offset() + part.length();
            if (part.offset() < 0 || end > size) {
                return Uni.createFrom().failure(new StoreException(Reason.INTERNAL, false, "part " + part.number()
                        + " of store key '" + key + "' at offset " + part.offset() + " with " + part.length()
                        + " bytes does not fit the object's size " + size, null));
            }
            // copy(): a cancelled subscriber must not cancel the future other parts wait on
            return Uni.createFrom().completionStage(() -> turn(part.offset()).copy())
                    .flatMap(ignored -> store.blocking("uploadPart", key, () -> write(part)));
        });
    }

    @Override
    public Uni<Void> complete(List<PartReceipt> receipts) {
        return store.blocking("complete", key, () -> {
            synchronized (writer) {
                synchronized (lock) {
                    if (state == State.COMPLETED) {
                        return null;
                    }
                    if (state != State.OPEN) {
                        throw terminal("complete");
                    }
                    long covered = receipts.stream().mapToLong(PartReceipt::length).sum();
                    if (written != size || covered != size) {
                        throw new StoreException(Reason.INTERNAL, false, "cannot complete store key '" + key
                                + "': " + written + " bytes written and receipts for " + covered + ", expected " + size,
                                null);
                    }
                }
                try {
                    channel.close();
                } catch (IOException | RuntimeException e) {
                    throw fail(store.translate("complete", key, e, true));
                }
                synchronized (lock) {
                    state = State.COMPLETED;
                }
            }
            LOGGER.debugf("upload completed" + STORE + KEY + UPLOAD_ID, "gcs", key, id);
            return null;
        });
    }

    @Override
    public Uni<Void> abort() {
        return store.blocking("abort", key, () -> {
            List<CompletableFuture<Void>> waiters;
            StoreException aborted = new StoreException(Reason.STORE_ERROR, false,
                    "upload " + id + " of store key '" + key + "' was aborted", null);
            synchronized (lock) {
                if (state == State.COMPLETED || state == State.ABORTED) {
                    return null;
                }
                state = State.ABORTED;
                failure = aborted;
                waiters = drainWaiting(Long.MAX_VALUE);
            }
            waiters.forEach(f -> f.completeExceptionally(aborted));
            // never channel.close() here: closing sends the final request, which creates the object
            sessionUri.ifPresent(uri -> store.cancelSession(uri, key));
            LOGGER.debugf("upload aborted" + STORE + KEY + UPLOAD_ID, "gcs", key, id);
            return null;
        });
    }

    /** A future that completes when every byte before {@code offset} was written, or fails with the upload. */
    private CompletableFuture<Void> turn(long offset) {
        synchronized (lock) {
            if (state != State.OPEN) {
                return CompletableFuture.failedFuture(terminal("upload a part of"));
            }
            if (offset <= written) {
                return CompletableFuture.completedFuture(null);
            }
            return waiting.computeIfAbsent(offset, o -> new CompletableFuture<>());
        }
    }

    /** Writes the part's bytes beyond those already written (blocking; worker threads only). */
    private PartReceipt write(Part part) {
        long end = part.offset() + part.length();
        List<CompletableFuture<Void>> ready;
        synchronized (writer) {
            long start;
            synchronized (lock) {
                if (state != State.OPEN) {
                    throw terminal("upload part " + part.number() + " of");
                }
                start = written;
            }
            if (end > start) {
                if (part.offset() > start) {
                    throw new StoreException(Reason.INTERNAL, false, "part " + part.number() + " of store key '" + key
                            + "' starts at " + part.offset() + " but only " + start + " bytes are written", null);
                }
                long skip = start - part.offset();
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
                    throw fail(store.translate("uploadPart", key, e, true));
                }
            }
            synchronized (lock) {
                written = Math.max(written, end);
                ready = drainWaiting(written);
            }
        }
        ready.forEach(f -> f.complete(null));
        return new PartReceipt(part.number(), part.offset(), part.length(), part.offset() + "+" + part.length());
    }

    /** Fails the whole upload and every waiting part with {@code e}; returns it to throw. */
    private StoreException fail(StoreException e) {
        List<CompletableFuture<Void>> waiters;
        synchronized (lock) {
            if (state == State.OPEN) {
                state = State.FAILED;
                failure = e;
            }
            waiters = drainWaiting(Long.MAX_VALUE);
        }
        waiters.forEach(f -> f.completeExceptionally(e));
        LOGGER.debugf("upload failed" + STORE + KEY + UPLOAD_ID + ERROR, "gcs", key, id, e.reason());
        return e;
    }

    /** Removes and returns the futures of offsets up to {@code offset}; call with {@link #lock} held. */
    private List<CompletableFuture<Void>> drainWaiting(long offset) {
        var head = waiting.headMap(offset, true);
        List<CompletableFuture<Void>> drained = new ArrayList<>(head.values());
        head.clear();
        return drained;
    }

    /** The error for a call on an upload that is no longer open; call with {@link #lock} held. */
    private StoreException terminal(String action) {
        if (state == State.FAILED || state == State.ABORTED) {
            return failure;
        }
        return new StoreException(Reason.STORE_ERROR, false, "cannot " + action + " store key '" + key
                + "': upload " + id + " was already completed", null);
    }
}
