package dev.hubmirror.transfer;

import static dev.hubmirror.log.LogKeys.COUNT;
import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.KEY;
import static dev.hubmirror.log.LogKeys.PARTS;
import static dev.hubmirror.log.LogKeys.PATH;
import static dev.hubmirror.log.LogKeys.REPO;
import static dev.hubmirror.log.LogKeys.UPLOAD_ID;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.HubFile;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.memory.BufferScope;
import dev.hubmirror.memory.PooledBuffer;
import dev.hubmirror.store.PartPlan;
import dev.hubmirror.store.Content;
import dev.hubmirror.store.MultipartUpload;
import dev.hubmirror.store.Part;
import dev.hubmirror.store.PartReceipt;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.UniEmitter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import org.jboss.logging.Logger;

/**
 * One file on its way from the Hub into the store: the whole state of its transfer in one object, driven by the
 * completion of its I/O (budget granted, part fetched, part uploaded, part hashed), with one failure path.
 *
 * <p><b>Where the bytes are.</b> Part {@code i} is a {@link PooledBuffer} of exactly its length from the shared pool.
 * The Hub client writes the part's Range straight into it (one copy from the network buffer). Once full, the buffer has
 * two readers: the store upload of the part, and the file's {@link OrderedDigest}, which hashes parts in file order on
 * a worker thread (a part that arrives before its predecessors waits there with its buffer). Each reader holds one
 * reference and releases it when done; the last release returns the pages to the pool.
 *
 * <p><b>What bounds each stage.</b> At most {@code fetchesPerFile} parts of the file are waiting for budget or fetching
 * at once; parts that wait for the digest or for an upload slot do not hold a fetch slot, so a slow part never stops
 * the link from being used for the next ones (the budget is the only bound on how far ahead fetching runs). At most
 * {@code partsInFlight} parts are being uploaded. For a store that writes parts in order (GCS), uploads start strictly
 * in part order, so a later part can never hold an upload slot that an earlier one needs.
 *
 * <p><b>Visibility.</b> When every part is uploaded and hashed, the hash and size are compared with the listing: on a
 * match the upload is completed (the object becomes visible), otherwise the file fails. A file at or below the
 * single-PUT threshold is one part that is fetched, hashed, verified and then written with one PUT.
 *
 * <p><b>One failure path.</b> The first failure (of a fetch, an upload, the verification, or a cancellation of the
 * whole file) wins; {@link #fail} then stops every fetch (revoking its writer, so no late byte lands anywhere), drops
 * the parts waiting for the digest, lets the uploads already sent settle (S3 may still accept a part that was in flight
 * when the upload is aborted), aborts the upload and closes the file's {@link BufferScope}, which frees whatever is
 * still granted. Nothing unverified is ever visible and the file holds no memory afterwards.
 *
 * <p>State is guarded by this object's lock; I/O is started outside it.
 */
final class FilePipeline {

    private static final Logger LOGGER = Logger.getLogger(FilePipeline.class);

    private final FileTransfers engine;
    private final RepoRef ref;
    private final String commit;
    private final HubFile file;
    private final String key;
    private final MirrorProgress progress;
    private final BufferScope scope;
    private final FileDigest digest;
    private final Map<String, String> metadata;
    private final int fetchesPerFile;
    private final int partsInFlight;
    private final boolean orderedUploads;

    // guarded by this
    private PartPlan plan;
    private Slot[] slots;
    private UniEmitter<? super Void> result;
    private OrderedDigest ordered;
    private MultipartUpload upload;
    private boolean beginning;
    private int nextFetch;
    private int fetching;
    private int nextUpload;
    private final TreeMap<Integer, Slot> readyToUpload = new TreeMap<>();
    private int uploading;
    private int uploaded;
    private int inDigest;
    private int hashed;
    private boolean completing;
    private Throwable failure;
    private boolean finished;

    FilePipeline(FileTransfers engine, RepoRef ref, String commit, HubFile file, String key, MirrorProgress progress) {
        this.engine = engine;
        this.ref = ref;
        this.commit = commit;
        this.file = file;
        this.key = key;
        this.progress = progress;
        this.scope = new BufferScope("file " + file.path() + " of " + ref);
        this.digest = FileDigest.forFile(file);
        this.metadata = Map.of(digest.metadataKey(), digest.expected());
        this.fetchesPerFile = engine.settings().fetchesPerFile();
        this.partsInFlight = Math.min(engine.settings().partsInFlight(), engine.store().maxPartsInFlight());
        this.orderedUploads = engine.store().orderedParts();
    }

    /** Runs the transfer; completes once the file is visible, fails (after cleaning up) otherwise. */
    Uni<Void> run() {
        return Uni.createFrom().<Void>emitter(emitter -> {
            synchronized (this) {
                result = emitter;
            }
            start();
        }).onCancellation().invoke(() -> fail(new CancellationException("the file's transfer was cancelled")));
    }

    private void start() {
        PartPlan p;
        try {
            p = engine.plan(ref, file, key);
        } catch (RuntimeException e) {
            fail(e);
            return;
        }
        synchronized (this) {
            plan = p;
            slots = new Slot[p.partCount()];
            ordered = new OrderedDigest(digest, engine.hashing(), FileTransfers.INLINE_HASH_BYTES);
            beginning = !p.singlePut();
        }
        long overhead = engine.store().writeOverhead(file.size(), !p.singlePut());
        Uni<Void> ready = overhead == 0 ? Uni.createFrom().voidItem()
                : engine.pool().reserve(overhead, scope).replaceWithVoid();
        if (p.singlePut()) {
            ready.subscribe().with(ok -> pump(), this::fail);
            return;
        }
        ready.chain(() -> engine.store().beginUpload(key, file.size(), metadata))
                .subscribe().with(this::begun, e -> {
                    synchronized (this) {
                        beginning = false;
                    }
                    fail(e);
                });
    }

    private void begun(MultipartUpload began) {
        boolean late;
        synchronized (this) {
            beginning = false;
            upload = began;
            late = failure != null;
        }
        LOGGER.debugf("upload started" + REPO + PATH + KEY + UPLOAD_ID + PARTS, ref.id(), file.path(), key, began.id(),
                plan.partCount());
        if (late) {
            settleFailure();
        } else {
            pump();
        }
    }

    /** Starts what the limits allow: fetches of the next parts, uploads of fetched parts. */
    private void pump() {
        List<Runnable> actions = new ArrayList<>();
        synchronized (this) {
            if (failure != null) {
                return;
            }
            while (nextFetch < plan.partCount() && fetching < fetchesPerFile) {
                Slot slot = new Slot(nextFetch++);
                slots[slot.index] = slot;
                fetching++;
                actions.add(() -> fetch(slot));
            }
            while (uploading < partsInFlight && !readyToUpload.isEmpty()
                    && (!orderedUploads || readyToUpload.firstKey() == nextUpload)) {
                Slot slot = readyToUpload.pollFirstEntry().getValue();
                nextUpload = Math.max(nextUpload, slot.index + 1);
                uploading++;
                actions.add(() -> uploadPart(slot));
            }
        }
        actions.forEach(Runnable::run);
    }

    private void fetch(Slot slot) {
        long offset = plan.offset(slot.index);
        long length = plan.length(slot.index);
        Cancellable c = engine.pool().acquire(length, scope)
                .invoke(slot::granted)
                .chain(buffer -> engine.hub().fetch(ref, commit, file, offset, buffer))
                .subscribe().with(ok -> fetched(slot), e -> fetchFailed(slot, e));
        boolean cancel;
        synchronized (this) {
            slot.fetch = c;
            cancel = failure != null;
        }
        if (cancel) {
            c.cancel();
        }
    }

    private void fetched(Slot slot) {
        PooledBuffer buffer;
        boolean failed;
        boolean complete = false;
        long length;
        synchronized (this) {
            if (!slot.fetching) {
                return;
            }
            slot.fetching = false;
            fetching--;
            buffer = slot.buffer;
            length = buffer.capacity();
            failed = failure != null || buffer.written() != length;
            if (failed || plan.singlePut()) {
                // single PUT: the fetch's reference goes to the digest, then (verified) to the PUT
                slot.buffer = null;
            }
            if (!failed) {
                inDigest++;
                if (!plan.singlePut()) {
                    // the fetch's reference goes to the upload; the digest takes one of its own
                    buffer.retain();
                    readyToUpload.put(slot.index, slot);
                }
            }
        }
        if (failed) {
            long written = buffer.written();
            buffer.release();
            if (written != length) {
                fail(sizeMismatch("the Hub sent " + written + " of the " + length + " bytes of part "
                        + (slot.index + 1)));
            }
            return;
        }
        progress.transferred(length);
        engine.observer().downloaded(length);
        ordered.offer(slot.index, buffer.content(), length, isHashed -> hashedPart(slot, buffer, isHashed));
        pump();
    }

    private void fetchFailed(Slot slot, Throwable e) {
        PooledBuffer buffer;
        synchronized (this) {
            if (!slot.fetching) {
                return;
            }
            slot.fetching = false;
            fetching--;
            buffer = slot.buffer;
            slot.buffer = null;
        }
        if (buffer != null) {
            buffer.release();
        }
        fail(e);
    }

    private void hashedPart(Slot slot, PooledBuffer buffer, boolean isHashed) {
        boolean complete;
        boolean put;
        synchronized (this) {
            inDigest--;
            if (isHashed) {
                hashed++;
            }
            put = isHashed && failure == null && plan.singlePut();
            if (put) {
                uploading++;
            }
            complete = !put && readyToComplete();
        }
        if (put) {
            putWhole(buffer);
            return;
        }
        buffer.release();
        if (complete) {
            complete();
        } else {
            settleFailureIfIdle();
        }
    }

    private void uploadPart(Slot slot) {
        PooledBuffer buffer;
        boolean failed;
        synchronized (this) {
            buffer = slot.buffer;
            failed = failure != null;
            if (failed) {
                // failed since the slot was taken: send nothing
                slot.buffer = null;
                uploading--;
            }
        }
        if (failed) {
            buffer.release();
            settleFailureIfIdle();
            return;
        }
        Part part = new Part(slot.index + 1, plan.offset(slot.index), Content.of(buffer.content()));
        long started = System.nanoTime();
        upload.uploadPart(part).subscribe().with(receipt -> {
            engine.observer().partUploaded(part.length(), System.nanoTime() - started);
            uploadedPart(slot, buffer, receipt, null);
        }, e -> uploadedPart(slot, buffer, null, e));
    }

    private void uploadedPart(Slot slot, PooledBuffer buffer, PartReceipt receipt, Throwable e) {
        boolean complete;
        synchronized (this) {
            uploading--;
            slot.buffer = null;
            if (receipt != null) {
                slot.receipt = receipt;
                uploaded++;
            }
            complete = e == null && readyToComplete();
        }
        buffer.release();
        if (e != null) {
            fail(e);
        } else if (complete) {
            complete();
        } else {
            pump();
            settleFailureIfIdle();
        }
    }

    /** Whether every part is uploaded and hashed; marks the completion as started. Caller holds the lock. */
    private boolean readyToComplete() {
        if (failure != null || completing || plan.singlePut() || uploaded < plan.partCount()
                || hashed < plan.partCount()) {
            return false;
        }
        completing = true;
        return true;
    }

    private void complete() {
        try {
            verify();
        } catch (MirrorException e) {
            fail(e);
            return;
        }
        List<PartReceipt> receipts;
        synchronized (this) {
            receipts = Arrays.stream(slots).map(s -> s.receipt).toList();
        }
        upload.complete(receipts).subscribe().with(ok -> succeed(), this::fail);
    }

    /** Verifies the whole file held in {@code buffer} and writes it with one PUT; releases the buffer. */
    private void putWhole(PooledBuffer buffer) {
        try {
            verify();
        } catch (MirrorException e) {
            putDone(buffer, e);
            return;
        }
        long started = System.nanoTime();
        engine.store().put(key, Content.of(buffer.content()), metadata).subscribe().with(ok -> {
            engine.observer().objectPut(file.size(), System.nanoTime() - started);
            putDone(buffer, null);
        }, e -> putDone(buffer, e));
    }

    private void putDone(PooledBuffer buffer, Throwable e) {
        synchronized (this) {
            uploading--;
        }
        buffer.release();
        if (e == null) {
            succeed();
        } else {
            fail(e);
        }
    }

    private void verify() {
        if (digest.bytes() != file.size()) {
            throw sizeMismatch("received " + digest.bytes() + " bytes");
        }
        String actual = digest.finish();
        if (!actual.equals(digest.expected())) {
            throw new MirrorException(Reason.CHECKSUM_MISMATCH, "file " + file.path() + " of " + ref + " failed "
                    + (file.isLfs() ? "sha256" : "git sha1") + " verification: expected " + digest.expected() + ", got "
                    + actual + "; nothing was written to " + engine.store().url(key)
                    + ". The download was corrupted in transit or by a proxy; retry the job.");
        }
    }

    private MirrorException sizeMismatch(String detail) {
        return new MirrorException(Reason.SIZE_MISMATCH, "file " + file.path() + " of " + ref + " is listed with "
                + file.size() + " bytes but " + detail + "; nothing was written. Retry the job; if it persists the Hub "
                + "listing and content disagree.");
    }

    private void succeed() {
        UniEmitter<? super Void> emitter;
        synchronized (this) {
            if (finished || failure != null) {
                return;
            }
            finished = true;
            emitter = result;
        }
        int left = scope.closeAndCount();
        if (left > 0) {
            LOGGER.debugf("file finished with grants still in its scope" + REPO + PATH + COUNT, ref.id(), file.path(),
                    left);
        }
        emitter.complete(null);
    }

    /**
     * The one failure path; idempotent (the first failure wins). Stops fetching, drops what waits for the digest and
     * for an upload slot, then settles: once the uploads in flight and the digest are done with their buffers, aborts
     * the upload, closes the scope and fails the result.
     */
    private void fail(Throwable e) {
        List<Cancellable> fetches = new ArrayList<>();
        List<PooledBuffer> dropped = new ArrayList<>();
        OrderedDigest digestWindow;
        boolean alreadyFailed = false;
        synchronized (this) {
            if (finished) {
                return;
            }
            if (failure != null) {
                // a later failure (another part's upload, say): it only settles what the first one started
                alreadyFailed = true;
            } else {
                failure = e;
            }
        }
        if (alreadyFailed) {
            settleFailureIfIdle();
            return;
        }
        synchronized (this) {
            if (slots != null) {
                for (Slot slot : slots) {
                    if (slot != null && slot.fetching) {
                        slot.fetching = false;
                        fetching--;
                        if (slot.fetch != null) {
                            fetches.add(slot.fetch);
                        }
                        if (slot.buffer != null) {
                            dropped.add(slot.buffer);
                            slot.buffer = null;
                        }
                    }
                }
            }
            for (Slot slot : readyToUpload.values()) {
                dropped.add(slot.buffer);
                slot.buffer = null;
            }
            readyToUpload.clear();
            digestWindow = ordered;
        }
        // a cancelled fetch revokes its writer: its buffer can be released at once, no late byte can land in it
        fetches.forEach(Cancellable::cancel);
        dropped.forEach(PooledBuffer::release);
        if (digestWindow != null) {
            digestWindow.close();
        }
        settleFailureIfIdle();
    }

    private void settleFailureIfIdle() {
        synchronized (this) {
            if (failure == null || finished || uploading > 0 || inDigest > 0 || beginning) {
                return;
            }
        }
        settleFailure();
    }

    private void settleFailure() {
        MultipartUpload toAbort;
        Throwable cause;
        synchronized (this) {
            if (finished || uploading > 0 || inDigest > 0 || beginning) {
                return;
            }
            finished = true;
            toAbort = upload;
            cause = failure;
        }
        Uni<Void> abort = toAbort == null ? Uni.createFrom().voidItem() : abort(toAbort, cause);
        abort.subscribe().with(ok -> failed(cause), e -> failed(cause));
    }

    private void failed(Throwable cause) {
        scope.close();
        UniEmitter<? super Void> emitter;
        synchronized (this) {
            emitter = result;
        }
        emitter.fail(cause);
    }

    private Uni<Void> abort(MultipartUpload toAbort, Throwable cause) {
        LOGGER.infof("upload aborted" + REPO + PATH + KEY + UPLOAD_ID + ERROR, ref.id(), file.path(), toAbort.key(),
                toAbort.id(), cause instanceof CancellationException ? "cancelled" : cause.getMessage());
        return toAbort.abort().onFailure().recoverWithItem(e -> {
            LOGGER.warnf("abort failed" + KEY + UPLOAD_ID + ERROR
                    + "; the store's lifecycle rule for incomplete multipart uploads will reclaim it", toAbort.key(),
                    toAbort.id(), e.getMessage());
            return null;
        });
    }

    /** One part: its buffer from the grant until the readers are done, its fetch, its receipt. */
    private final class Slot {
        final int index;
        /** The fetch subscription (budget, then Range request). */
        Cancellable fetch;
        /** Whether the part holds a fetch slot (waiting for budget or fetching). */
        boolean fetching = true;
        /** The part's buffer while this pipeline is responsible for one of its references. */
        PooledBuffer buffer;
        PartReceipt receipt;

        Slot(int index) {
            this.index = index;
        }

        /** The budget granted the part's buffer. */
        void granted(PooledBuffer granted) {
            synchronized (FilePipeline.this) {
                buffer = granted;
            }
        }
    }
}
