package dev.hubmirror.registry;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.http.BodyReader;
import dev.hubmirror.http.ReadFlow;
import dev.hubmirror.log.LogKeys;
import dev.hubmirror.memory.BufferScope;
import dev.hubmirror.memory.PooledBuffer;
import dev.hubmirror.registry.RegistryClient.UploadStart;
import dev.hubmirror.registry.RegistryClient.UploadStatus;
import dev.hubmirror.registry.RegistryObserver.BlobOutcome;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.UniEmitter;
import java.net.URI;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.jboss.logging.Logger;

/**
 * One blob from a source registry into a target repository, verified before the target can know it.
 *
 * <ol>
 * <li>{@code HEAD} on the target: there already, with its size: skipped.</li>
 * <li>Known to be in another repository of the target ({@link MountHints}): a cross-repository mount; done when the
 * target mounts it, else the upload it opened instead is used.</li>
 * <li>Small ({@code <= single-put-threshold}): fetched whole into one buffer of the memory budget, hashed, verified
 * (sha256 and size), then sent with the closing {@code PUT ?digest=} of a new upload.</li>
 * <li>Large: streamed. One {@code GET} fills chunk buffers of {@code chunk-size} (raised to the target's
 * {@code OCI-Chunk-Min-Length}) from the budget, at most {@link #CHUNKS_PER_BLOB} held at once: while both are taken
 * (one uploading, one full and waiting) the download is paused ({@link ReadFlow}), so memory stays at two chunks
 * however slow the target is. Each full chunk goes out as a {@code PATCH} with its {@code Content-Range} (offsets
 * tracked here: some registries ignore {@code Content-Range} and report {@code Range: 0-0} for both 0 and 1 byte) and,
 * in parallel, into the blob's sha256 on a worker thread, in order. When every byte is uploaded and hashed, digest and
 * size are compared with the descriptor: on a match the upload is closed with {@code PUT ?digest=} (only then does
 * the target have the blob), otherwise the upload is cancelled and nothing of it exists in the target.</li>
 * </ol>
 *
 * <p><b>Faults.</b> A download cut, stalled or ended short is resumed from the first byte not yet received
 * ({@code Range}; a source that ignores it is read from 0 and the known bytes skipped), with the request retry
 * settings, the failure count restarting after an attempt that moved bytes at the minimum rate. A failed
 * {@code PATCH} (5xx, 429, a cut) asks the target what it holds ({@code GET} on the upload): from exactly the bytes
 * confirmed so far, or from a point inside the failed chunk, the rest of the chunk is sent again; an upload the target
 * lost (cancelled, expired, or whose state no longer matches, as distribution answers after a partial chunk) starts
 * the whole blob again with a new upload, up to {@code blob-attempts} times.
 *
 * <p><b>One failure path.</b> The first failure wins ({@link Transfer#fail}): the download is cancelled (its writer
 * revoked first, so no late byte lands in a buffer), chunks not yet sent are dropped, the chunk being sent and the
 * hashing are let settle, then the upload is cancelled on the target and the blob's {@link BufferScope} closed.
 */
final class BlobCopy {

    private static final Logger LOGGER = Logger.getLogger(BlobCopy.class);
    /** Chunk buffers one blob holds at most: one being uploaded, one being filled. */
    static final int CHUNKS_PER_BLOB = 2;
    /** Whole buffers up to this size are hashed on the thread that completed them. */
    private static final long INLINE_HASH_BYTES = 256 * 1024;

    private final RegistryMirror engine;
    private final RegistryClient client;
    private final ImageReference source;
    private final ImageReference target;
    private final Descriptor blob;
    private final boolean chart;
    private final CopyProgress progress;
    private final RegistryCall call;
    /** Bytes reported to the progress so far (a blob downloaded again is not counted twice). */
    private long reported;

    BlobCopy(RegistryMirror engine, ImageReference source, ImageReference target, Descriptor blob, boolean chart,
            CopyProgress progress) {
        this.engine = engine;
        this.client = engine.client();
        this.source = source;
        this.target = target;
        this.blob = blob;
        this.chart = chart;
        this.progress = progress;
        this.call = new RegistryCall("blob " + blob.digest(), source.registry(), source.repository(), chart);
    }

    /** Copies the blob; completes with how it got into the target. */
    Uni<BlobOutcome> run() {
        return client.blobSize(target.registry(), target.repository(), blob.digest()).chain(existing -> {
            if (existing.isPresent()) {
                long size = existing.get();
                if (size >= 0 && size != blob.size()) {
                    return Uni.createFrom().failure(new MirrorException(Reason.MANIFEST_INVALID, call.describe()
                            + " is listed with " + blob.size() + " bytes but the target already holds it with " + size
                            + " bytes: the manifest's descriptor is wrong; nothing was tagged"));
                }
                return Uni.createFrom().item(BlobOutcome.SKIPPED);
            }
            Optional<String> mountFrom = engine.hints().elsewhere(blob.digest(), target.repository());
            if (mountFrom.isEmpty()) {
                return attempts(null);
            }
            return client.startUpload(target.registry(), target.repository(), blob.digest(), mountFrom)
                    .chain(start -> start.mounted() ? Uni.createFrom().item(BlobOutcome.MOUNTED) : attempts(start));
        }).invoke(outcome -> {
            engine.hints().seen(blob.digest(), target.repository());
            if (outcome != BlobOutcome.COPIED) {
                count(blob.size());
            }
            engine.observer().blob(target.registry(), outcome, blob.size());
            progress.blobDone(blob.digest(), blob.size(), outcome);
            LOGGER.debugf("blob done" + LogKeys.IMAGE + LogKeys.DIGEST + LogKeys.BYTES + LogKeys.OUTCOME, target,
                    blob.digest(), blob.size(), outcome);
        });
    }

    /** Whole-blob attempts: an upload the target lost starts again from byte 0 with a new upload. */
    private Uni<BlobOutcome> attempts(UploadStart opened) {
        int[] attempt = {0};
        return Uni.createFrom().deferred(() -> {
            UploadStart start = attempt[0]++ == 0 ? opened : null;
            return blob.size() <= engine.settings().singlePutThreshold() || blob.size() == 0 ? whole(start)
                    : new Transfer(start).run();
        }).onFailure(this::restartable).retry().when(errors -> errors.onItem().transformToUniAndConcatenate(e -> {
            if (attempt[0] >= engine.settings().blobAttempts()) {
                return Uni.createFrom().failure(e);
            }
            LOGGER.infof("blob upload lost, starting it again" + LogKeys.IMAGE + LogKeys.DIGEST + LogKeys.ATTEMPT
                    + LogKeys.ERROR, target,
                    blob.digest(), attempt[0] + 1, e.getMessage());
            engine.observer().retry(target.registry(), ((MirrorException) e).reason());
            return client.retries().wait(client.retries().settings().delay(attempt[0]));
        })).replaceWith(BlobOutcome.COPIED);
    }

    /** Whether a failure means the target lost the upload, so that the blob must start again. */
    private boolean restartable(Throwable e) {
        return e instanceof UploadLost || e instanceof RegistryException r && (r.uploadLost()
                || "DIGEST_INVALID".equals(r.code()));
    }

    private void count(long bytes) {
        long add;
        synchronized (this) {
            add = Math.max(0, bytes - reported);
            reported += add;
        }
        if (add > 0) {
            progress.transferred(add);
        }
    }

    private BufferScope scope() {
        return new BufferScope("blob " + blob.digest().shortHex() + " of " + target);
    }

    // ---- small blobs: one buffer, one PUT

    private Uni<Void> whole(UploadStart opened) {
        BufferScope scope = scope();
        PooledBuffer[] held = {null};
        return engine.pool().acquire(blob.size(), scope).chain(buffer -> {
            held[0] = buffer;
            return download(buffer, 0, new long[] {0});
        }).chain(() -> hash(held[0])).chain(digest -> {
            verify(digest, held[0].written());
            count(blob.size());
            engine.observer().downloaded(source.registry(), blob.size());
            Uni<UploadStart> start = opened != null ? Uni.createFrom().item(opened)
                    : client.startUpload(target.registry(), target.repository(), blob.digest(), Optional.empty());
            return start.chain(s -> client.finishUpload(target.registry(), target.repository(), blob.digest(),
                    s.location(), blob.size(), () -> wrap(held[0].content(), 0)));
        }).onTermination().invoke(() -> {
            if (held[0] != null) {
                held[0].revokeWriter();
            }
            scope.close();
        });
    }

    /**
     * Downloads the rest of {@code buffer} (the blob from {@code offset}, already {@code buffer.written()} in), resumed
     * after cuts.
     */
    private Uni<Void> download(PooledBuffer buffer, long offset, long[] failed) {
        long[] attemptStart = {0, 0};
        return Uni.createFrom().deferred(() -> {
            long written = buffer.written();
            attemptStart[0] = written;
            attemptStart[1] = System.nanoTime();
            PooledBuffer.Writer w = buffer.writer();
            return client.blob(source.registry(), source.repository(), blob.digest(), offset + written, blob.size(),
                    chart, (start, length) -> new WholeReader(buffer, w)).onTermination().invoke(() -> {
                        synchronized (buffer) {
                            if (w.isOpen()) {
                                buffer.revokeWriter();
                            }
                        }
                    });
        }).onFailure(e -> !(e instanceof CancellationException)).retry().when(errors -> errors.onItem()
                .transformToUniAndConcatenate(e -> {
                    long moved = buffer.written() - attemptStart[0];
                    double seconds = (System.nanoTime() - attemptStart[1]) / 1e9;
                    if (moved > 0 && moved >= engine.settings().http().minBytesPerSecond() * seconds) {
                        failed[0] = 0;
                    }
                    return client.retries().next(call, e, (int) ++failed[0]);
                }));
    }

    /** Copies a whole small blob into its buffer. */
    private final class WholeReader implements BodyReader<Void> {
        private final PooledBuffer buffer;
        private final PooledBuffer.Writer writer;

        WholeReader(PooledBuffer buffer, PooledBuffer.Writer writer) {
            this.buffer = buffer;
            this.writer = writer;
        }

        @Override
        public boolean onContent(ByteBuf chunk) {
            int n = chunk.readableBytes();
            if (n > buffer.capacity() - buffer.written()) {
                throw new RegistryException(Reason.SIZE_MISMATCH, 0, call.describe() + ": the source sent more than "
                        + "the " + blob.size() + " bytes its descriptor lists; nothing was written for it");
            }
            int copied = copy(chunk, writer);
            if (copied < 0) {
                throw new CancellationException(call.describe() + ": the download was cancelled");
            }
            return true;
        }

        @Override
        public Void end() {
            if (buffer.written() < buffer.capacity()) {
                throw shortBody(buffer.written());
            }
            return null;
        }
    }

    private RegistryException shortBody(long received) {
        return new RegistryException(Reason.SIZE_MISMATCH, true, 0, "", call.describe() + ": the body ended after "
                + received + " of " + blob.size() + " bytes", null, null);
    }

    /** Copies a network chunk through {@code writer}: the bytes copied, or -1 when the writer was revoked. */
    private static int copy(ByteBuf chunk, PooledBuffer.Writer writer) {
        int n = chunk.readableBytes();
        int total = 0;
        for (ByteBuffer part : chunk.nioBuffers(chunk.readerIndex(), n)) {
            int c = writer.write(part);
            if (c < 0) {
                return -1;
            }
            total += c;
        }
        chunk.skipBytes(total);
        return total;
    }

    /** The sha256 of the buffer: inline when small, else on the hashing pool. */
    private Uni<Digest> hash(PooledBuffer buffer) {
        if (buffer.written() <= INLINE_HASH_BYTES) {
            MessageDigest sha = Digest.sha256();
            buffer.content().forEach(sha::update);
            return Uni.createFrom().item(Digest.of(sha));
        }
        return Uni.createFrom().item(() -> {
            MessageDigest sha = Digest.sha256();
            buffer.content().forEach(sha::update);
            return Digest.of(sha);
        }).runSubscriptionOn(engine.hashing());
    }

    private void verify(Digest actual, long bytes) {
        if (bytes != blob.size()) {
            throw new MirrorException(Reason.SIZE_MISMATCH, call.describe() + ": received " + bytes + " bytes, the "
                    + "descriptor lists " + blob.size() + "; nothing was written for it and nothing was tagged");
        }
        if (!actual.equals(blob.digest())) {
            throw new MirrorException(Reason.CHECKSUM_MISMATCH, call.describe() + " failed sha256 verification: "
                    + "its bytes hash to " + actual + "; the blob was not written to " + target.registry() + " and "
                    + "nothing was tagged. The source serves corrupt data (or something in between changed it).");
        }
    }

    /** A body of {@code views} without their first {@code skip} bytes (a wrapper: the pages stay the buffer's). */
    private static ByteBuf wrap(List<ByteBuffer> views, long skip) {
        ByteBuf all = Unpooled.wrappedBuffer(views.toArray(ByteBuffer[]::new));
        if (skip > 0) {
            all.skipBytes((int) skip);
        }
        return all;
    }

    /** The target lost an upload: the blob starts again. */
    private static final class UploadLost extends MirrorException {
        private static final long serialVersionUID = 1L;

        UploadLost(String message) {
            super(Reason.REGISTRY_REJECTED, true, message, null);
        }
    }

    // ---- large blobs: streamed in chunks

    /** One chunk of a streamed blob: its buffer, where it starts, and who still reads it (upload, hash). */
    private static final class Chunk {
        final long offset;
        final PooledBuffer buffer;
        int readers;

        Chunk(long offset, PooledBuffer buffer) {
            this.offset = offset;
            this.buffer = buffer;
        }

        long length() {
            return buffer.capacity();
        }
    }

    /** One attempt at a streamed blob: one upload session, one download (resumed after cuts). */
    private final class Transfer {

        private final UploadStart opened;
        private final BufferScope scope = scope();
        private final MessageDigest sha = Digest.sha256();
        // guarded by this
        private UniEmitter<? super Void> result;
        private long chunkSize;
        private URI location;
        private long confirmed;
        private long received;
        private Chunk filling;
        private PooledBuffer.Writer writer;
        private int live;
        private boolean acquiring;
        private Cancellable acquire;
        private final ArrayDeque<Chunk> toUpload = new ArrayDeque<>();
        private Chunk uploading;
        private int sealed;
        private int hashed;
        private CompletableFuture<Void> hashTail = CompletableFuture.completedFuture(null);
        private ReadFlow flow;
        private int downloadAttempt;
        private Cancellable download;
        private boolean downloaded;
        private boolean completing;
        private Throwable failure;
        private boolean finished;
        private long[] downloadFailures = {0};

        Transfer(UploadStart opened) {
            this.opened = opened;
        }

        Uni<Void> run() {
            return Uni.createFrom().<Void>emitter(emitter -> {
                synchronized (this) {
                    result = emitter;
                }
                Uni<UploadStart> start = opened != null ? Uni.createFrom().item(opened)
                        : client.startUpload(target.registry(), target.repository(), blob.digest(), Optional.empty());
                start.subscribe().with(this::opened, this::fail);
            }).onCancellation().invoke(() -> fail(new CancellationException(call.describe() + ": cancelled")));
        }

        private void opened(UploadStart start) {
            long page = engine.pool().pageSize();
            long size = Math.max(engine.settings().chunkSize(), start.minChunk());
            size = (size + page - 1) / page * page;
            long budgetNeed = size * CHUNKS_PER_BLOB;
            synchronized (this) {
                location = start.location();
                chunkSize = size;
            }
            if (budgetNeed > engine.pool().capacity()) {
                fail(new MirrorException(Reason.INVALID_REQUEST, call.describe() + " needs two chunks of " + size
                        + " bytes (mirror.registry.chunk-size" + (start.minChunk() > 0 ? ", raised to the target's "
                        + "OCI-Chunk-Min-Length of " + start.minChunk() : "") + "), more than "
                        + "mirror.transfer.memory-budget (" + engine.pool().capacity() + " bytes) holds"));
                return;
            }
            requestBuffer();
        }

        /** Asks the budget for the next chunk's buffer, if one is needed and allowed. */
        private void requestBuffer() {
            long length;
            synchronized (this) {
                if (failure != null || acquiring || filling != null || live >= CHUNKS_PER_BLOB
                        || received >= blob.size()) {
                    return;
                }
                acquiring = true;
                live++;
                length = Math.min(chunkSize, blob.size() - received);
            }
            Cancellable c = engine.pool().acquire(length, scope).subscribe().with(this::granted, this::fail);
            boolean cancel;
            synchronized (this) {
                if (acquiring) {
                    acquire = c;
                }
                cancel = failure != null && acquiring;
            }
            if (cancel) {
                c.cancel();
            }
        }

        private void granted(PooledBuffer buffer) {
            boolean first;
            ReadFlow resume;
            synchronized (this) {
                acquiring = false;
                acquire = null;
                if (failure != null) {
                    buffer.release();
                    return;
                }
                filling = new Chunk(received, buffer);
                writer = buffer.writer();
                first = download == null && !downloaded;
                resume = flow;
            }
            if (first) {
                startDownload();
            } else if (resume != null) {
                resume.resume();
            }
        }

        private void startDownload() {
            long[] attemptStart = {0, 0};
            Cancellable c = Uni.createFrom().deferred(() -> {
                int attempt;
                long from;
                synchronized (this) {
                    attempt = ++downloadAttempt;
                    from = received;
                    attemptStart[0] = received;
                    attemptStart[1] = System.nanoTime();
                    flow = null;
                    if (filling != null) {
                        writer = filling.buffer.writer();
                    }
                }
                return client.blob(source.registry(), source.repository(), blob.digest(), from, blob.size(), chart,
                        (start, length) -> new StreamReader(attempt));
            }).onFailure(e -> !(e instanceof CancellationException) && failureOf() == null).retry()
                    .when(errors -> errors.onItem().transformToUniAndConcatenate(e -> {
                        long moved;
                        synchronized (this) {
                            moved = received - attemptStart[0];
                        }
                        double seconds = (System.nanoTime() - attemptStart[1]) / 1e9;
                        if (moved > 0 && moved >= engine.settings().http().minBytesPerSecond() * seconds) {
                            downloadFailures[0] = 0;
                        }
                        LOGGER.debugf("blob download resumed" + LogKeys.IMAGE + LogKeys.DIGEST + LogKeys.FROM + LogKeys.ERROR,
                                source,
                                blob.digest(), received, e.getMessage());
                        return client.retries().next(call, e, (int) ++downloadFailures[0]);
                    }))
                    .subscribe().with(ok -> downloadEnded(), this::fail);
            boolean cancel;
            synchronized (this) {
                download = c;
                cancel = failure != null;
            }
            if (cancel) {
                c.cancel();
            }
        }

        private synchronized Throwable failureOf() {
            return failure;
        }

        /** Copies the body into chunk buffers; pauses while no buffer is free. On the event loop. */
        private final class StreamReader implements BodyReader<Void> {
            private final int attempt;

            StreamReader(int attempt) {
                this.attempt = attempt;
            }

            @Override
            public void flow(ReadFlow f) {
                synchronized (Transfer.this) {
                    if (attempt == downloadAttempt) {
                        flow = f;
                    }
                }
            }

            @Override
            public boolean onContent(ByteBuf chunk) {
                List<Chunk> full = new ArrayList<>(1);
                ReadFlow pause = null;
                synchronized (Transfer.this) {
                    if (failure != null || attempt != downloadAttempt) {
                        throw new CancellationException(call.describe() + ": the download was abandoned");
                    }
                    while (chunk.isReadable()) {
                        if (filling == null) {
                            if (received >= blob.size()) {
                                throw new RegistryException(Reason.SIZE_MISMATCH, 0, call.describe() + ": the source "
                                        + "sent more than the " + blob.size() + " bytes its descriptor lists; nothing "
                                        + "was written for it");
                            }
                            pause = flow;
                            break;
                        }
                        int before = chunk.readerIndex();
                        int copied = copy(chunk, writer);
                        if (copied < 0) {
                            throw new CancellationException(call.describe() + ": the download was abandoned");
                        }
                        received += chunk.readerIndex() - before;
                        if (filling.buffer.isFull()) {
                            full.add(filling);
                            filling = null;
                            writer = null;
                        }
                    }
                }
                if (pause != null) {
                    pause.pause();
                }
                full.forEach(Transfer.this::seal);
                return true;
            }

            @Override
            public Void end() {
                synchronized (Transfer.this) {
                    if (received < blob.size()) {
                        throw shortBody(received);
                    }
                }
                return null;
            }
        }

        /** A full chunk: to the hash (in order, on the worker pool) and to the upload queue. */
        private void seal(Chunk chunk) {
            long length = chunk.length();
            boolean drop;
            synchronized (this) {
                drop = failure != null;
                if (drop) {
                    live--;
                } else {
                    chunk.buffer.retain();
                    chunk.readers = 2;
                    sealed++;
                    toUpload.addLast(chunk);
                    hashTail = hashTail.thenRunAsync(() -> {
                        if (failureOf() == null) {
                            chunk.buffer.content().forEach(sha::update);
                        }
                    }, engine.hashing()).whenComplete((ok, e) -> hashedChunk(chunk));
                }
            }
            if (drop) {
                chunk.buffer.release();
                settleIfIdle();
                return;
            }
            count(chunk.offset + length);
            engine.observer().downloaded(source.registry(), length);
            pumpUpload();
            requestBuffer();
        }

        private void hashedChunk(Chunk chunk) {
            synchronized (this) {
                hashed++;
            }
            readerDone(chunk);
            if (!maybeComplete()) {
                settleIfIdle();
            }
        }

        /** One reader of a chunk is done with it; the last frees it and makes room for the next buffer. */
        private void readerDone(Chunk chunk) {
            boolean free;
            synchronized (this) {
                free = --chunk.readers == 0;
                if (free) {
                    live--;
                }
            }
            chunk.buffer.release();
            if (free) {
                requestBuffer();
            }
        }

        private void pumpUpload() {
            Chunk next;
            URI to;
            synchronized (this) {
                if (failure != null || uploading != null || toUpload.isEmpty()) {
                    return;
                }
                next = toUpload.pollFirst();
                uploading = next;
                to = location;
            }
            send(next, to, next.offset, 0);
        }

        /** Sends the chunk's bytes from {@code from} (its offset, or a point inside it after a partial failure). */
        private void send(Chunk chunk, URI to, long from, int failures) {
            long skip = from - chunk.offset;
            long length = chunk.length() - skip;
            client.patch(target.registry(), target.repository(), blob.digest(), to, from, length,
                    () -> wrap(chunk.buffer.content(), skip))
                    .subscribe().with(next -> sent(chunk, next), e -> sendFailed(chunk, to, e, failures + 1));
        }

        private void sent(Chunk chunk, URI next) {
            synchronized (this) {
                location = next;
                confirmed = chunk.offset + chunk.length();
                uploading = null;
            }
            readerDone(chunk);
            pumpUpload();
            if (!maybeComplete()) {
                settleIfIdle();
            }
        }

        private void sendFailed(Chunk chunk, URI to, Throwable e, int failures) {
            if (failureOf() != null) {
                uploadSettled(chunk);
                return;
            }
            if (restartable(e)) {
                uploadSettled(chunk);
                fail(e);
                return;
            }
            client.retries().next(call(), e, failures)
                    .chain(() -> client.uploadStatus(target.registry(), target.repository(), blob.digest(), to))
                    .subscribe().with(status -> resume(chunk, status, failures, e), f -> {
                        uploadSettled(chunk);
                        fail(f);
                    });
        }

        private RegistryCall call() {
            return new RegistryCall("upload of " + blob.digest(), target.registry(), target.repository(), chart);
        }

        /** After a failed chunk: goes on from what the target reports it holds, or starts the blob again. */
        private void resume(Chunk chunk, Optional<UploadStatus> status, int failures, Throwable cause) {
            if (failureOf() != null) {
                uploadSettled(chunk);
                return;
            }
            long start = chunk.offset;
            long end = chunk.offset + chunk.length();
            long held = status.map(UploadStatus::held).orElse(-2L);
            // -1: "0-0", which is 0 or 1 byte: ambiguous at 0, impossible later; either way the upload starts again
            if (status.isEmpty() || held < start || held > end) {
                uploadSettled(chunk);
                fail(new UploadLost(call().describe() + ": after a failed chunk (" + cause.getMessage() + ") the "
                        + "target " + (status.isEmpty() ? "no longer knows the upload" : "reports "
                        + (held == -1 ? "0 or 1 byte" : held + " bytes") + " where " + start + " were confirmed")));
                return;
            }
            URI next = status.get().location();
            LOGGER.infof("chunk resumed" + LogKeys.IMAGE + LogKeys.DIGEST + LogKeys.FROM + LogKeys.HELD + LogKeys.ERROR,
                    target, blob.digest(), start,
                    held, cause.getMessage());
            if (held == end) {
                sent(chunk, next);
                return;
            }
            send(chunk, next, held, failures);
        }

        /** The chunk being uploaded will not be sent on (the transfer failed). */
        private void uploadSettled(Chunk chunk) {
            synchronized (this) {
                if (uploading == chunk) {
                    uploading = null;
                }
            }
            readerDone(chunk);
            settleIfIdle();
        }

        private void downloadEnded() {
            synchronized (this) {
                downloaded = true;
                download = null;
            }
            maybeComplete();
        }

        /** Closes the upload once every byte is uploaded and hashed and the blob verified. */
        private boolean maybeComplete() {
            URI to;
            synchronized (this) {
                if (failure != null || completing || !downloaded || uploading != null || !toUpload.isEmpty()
                        || confirmed != blob.size() || hashed != sealed) {
                    return false;
                }
                completing = true;
                to = location;
            }
            try {
                verify(Digest.of(sha), received);
            } catch (MirrorException e) {
                fail(e);
                return true;
            }
            client.finishUpload(target.registry(), target.repository(), blob.digest(), to, 0, null)
                    .subscribe().with(ok -> succeed(), this::fail);
            return true;
        }

        private void succeed() {
            UniEmitter<? super Void> emitter;
            synchronized (this) {
                if (finished) {
                    return;
                }
                finished = true;
                emitter = result;
            }
            scope.close();
            emitter.complete(null);
        }

        /** The one failure path; the first failure wins, later ones only help it settle. */
        private void fail(Throwable e) {
            Cancellable stopDownload;
            Cancellable stopAcquire;
            List<Chunk> dropped = new ArrayList<>();
            PooledBuffer unsealed = null;
            synchronized (this) {
                if (finished) {
                    return;
                }
                if (failure != null) {
                    stopDownload = null;
                    stopAcquire = null;
                } else {
                    failure = e;
                    stopDownload = download;
                    stopAcquire = acquire;
                    if (filling != null) {
                        unsealed = filling.buffer;
                        filling = null;
                        writer = null;
                        live--;
                    }
                    dropped.addAll(toUpload);
                    toUpload.clear();
                }
            }
            if (unsealed != null) {
                // revoke first: a chunk the event loop is about to copy is refused, no late byte lands anywhere
                unsealed.revokeWriter();
                unsealed.release();
            }
            if (stopDownload != null) {
                stopDownload.cancel();
            }
            if (stopAcquire != null) {
                stopAcquire.cancel();
            }
            dropped.forEach(Transfer.this::readerDone);
            settleIfIdle();
        }

        private void settleIfIdle() {
            URI toCancel;
            Throwable cause;
            synchronized (this) {
                if (failure == null || finished || uploading != null || hashed != sealed) {
                    return;
                }
                finished = true;
                toCancel = location;
                cause = failure;
            }
            Uni<Void> cancel = toCancel == null ? Uni.createFrom().voidItem()
                    : client.cancelUpload(target.registry(), target.repository(), blob.digest(), toCancel);
            cancel.subscribe().with(ok -> failed(cause), x -> failed(cause));
        }

        private void failed(Throwable cause) {
            scope.close();
            UniEmitter<? super Void> emitter;
            synchronized (this) {
                emitter = result;
            }
            LOGGER.debugf("blob upload failed" + LogKeys.IMAGE + LogKeys.DIGEST + LogKeys.ERROR, target, blob.digest(),
                    cause.getMessage());
            emitter.fail(cause);
        }
    }
}
