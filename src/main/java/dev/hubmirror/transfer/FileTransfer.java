package dev.hubmirror.transfer;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.HubClient;
import dev.hubmirror.hub.HubFile;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.memory.BufferPool;
import dev.hubmirror.memory.BufferScope;
import dev.hubmirror.store.MultipartUpload;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.Part;
import dev.hubmirror.store.PartReceipt;
import dev.hubmirror.store.StoredObject;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Streams one Hub file into one store object, verified before it becomes visible.
 *
 * <p>The part is the unit of work: part {@code i} is fetched as a Range request of exactly its bytes into a buffer
 * reserved from the {@link MemoryBudget}, its length checked, then uploaded; a fetch cut mid-range is resumed for
 * the rest of that part's range alone (the Hub client's retry policy). Up to {@code fetchesPerFile} parts of a file
 * are fetched at once and up to {@code partsInFlight} uploaded at once; at most {@code fetchesPerFile +
 * partsInFlight} parts of a file hold a buffer at any time. Parts arrive in any order, but the whole-file digest needs
 * them in file order: an {@link OrderedDigest} hashes them in order on a worker thread, and a part that finished
 * before an earlier one waits in memory until it is hashed (the reorder window, bounded by the per-file part slots
 * and by the global budget). Budget and slots are granted in part order, so the earliest part never waits behind a
 * later one and nothing can deadlock. When every part is uploaded and hashed, the digest and size are compared with
 * what the Hub listed: on a match the upload is completed, otherwise (and on any failure or cancellation) it is
 * aborted, so no unverified object is ever visible. Files at or below the single-PUT threshold are fetched whole
 * (hashed as bytes stream), verified, and written with one PUT.
 *
 * <p>The expected hash is stored as object metadata; a later run that finds an object of the right size carrying the
 * right hash skips the file without downloading it.
 */
public final class FileTransfer {

    private static final Logger LOGGER = Logger.getLogger(FileTransfer.class);
    /** Largest heap buffer one part may need (a Java array holds at most about 2^31 bytes). */
    static final long MAX_BUFFER = Integer.MAX_VALUE - 8;
    /** Pages for {@link HubClient#fetch} until the engine has its own pool; allocated on demand, bounded by the budget. */
    private static final BufferPool BRIDGE_POOL = new BufferPool(1L << 40);

    private final HubClient hub;
    private final ObjectStore store;
    private final MemoryBudget budget;
    private final long partSize;
    private final long singlePutThreshold;
    private final int partsInFlight;
    private final int fetchesPerFile;
    private final Executor hashing;
    private final TransferObserver observer;

    /** Parts fetched one at a time, no observer. */
    public FileTransfer(HubClient hub, ObjectStore store, MemoryBudget budget, long partSize, long singlePutThreshold,
            int partsInFlight) {
        this(hub, store, budget, partSize, singlePutThreshold, partsInFlight, 1, TransferObserver.NONE);
    }

    /**
     * With {@code fetchesPerFile} parallel Range fetches per file and an observer that sees bytes, files and upload
     * times (metrics). Hashing runs on Mutiny's default worker pool (Quarkus' worker pool in the service).
     *
     * @throws IllegalArgumentException when a setting is out of range or a buffer could never fit the budget
     */
    public FileTransfer(HubClient hub, ObjectStore store, MemoryBudget budget, long partSize, long singlePutThreshold,
            int partsInFlight, int fetchesPerFile, TransferObserver observer) {
        checkSettings(budget.capacity(), partSize, singlePutThreshold, partsInFlight, fetchesPerFile);
        this.hub = hub;
        this.store = store;
        this.budget = budget;
        this.partSize = partSize;
        this.singlePutThreshold = singlePutThreshold;
        this.partsInFlight = partsInFlight;
        this.fetchesPerFile = fetchesPerFile;
        this.hashing = Infrastructure.getDefaultWorkerPool();
        this.observer = observer;
    }

    /**
     * Checks transfer settings against the memory budget, so that a part that could never be buffered fails at
     * startup instead of waiting forever: part size and single-PUT threshold must each fit the budget and one heap
     * buffer.
     *
     * @throws IllegalArgumentException naming the config keys to change
     */
    public static void checkSettings(long memoryBudget, long partSize, long singlePutThreshold, int partsInFlight,
            int fetchesPerFile) {
        if (partsInFlight < 1) {
            throw new IllegalArgumentException("mirror.transfer.parts-in-flight must be at least 1, got "
                    + partsInFlight);
        }
        if (fetchesPerFile < 1) {
            throw new IllegalArgumentException("mirror.transfer.fetches-per-file must be at least 1, got "
                    + fetchesPerFile);
        }
        if (partSize < 1 || partSize > MAX_BUFFER) {
            throw new IllegalArgumentException("mirror.transfer.part-size must be between 1 byte and " + MAX_BUFFER
                    + " bytes (one heap buffer), got " + partSize);
        }
        if (singlePutThreshold < 0 || singlePutThreshold > MAX_BUFFER) {
            throw new IllegalArgumentException("mirror.transfer.single-put-threshold must be between 0 and "
                    + MAX_BUFFER + " bytes (one heap buffer), got " + singlePutThreshold);
        }
        if (partSize > memoryBudget || singlePutThreshold > memoryBudget) {
            throw new IllegalArgumentException("mirror.transfer.memory-budget (" + memoryBudget + " bytes) is smaller "
                    + "than one buffer: mirror.transfer.part-size is " + partSize
                    + " bytes and mirror.transfer.single-put-threshold " + singlePutThreshold + " bytes. Raise the "
                    + "budget to at least " + Math.max(partSize, singlePutThreshold) + " bytes (better: files-in-flight"
                    + " x (fetches-per-file + parts-in-flight) x part-size) or lower the sizes.");
        }
    }

    /** Transfers the file to {@code key} unless a verified copy is already there. Never fails: see the outcome. */
    public Uni<FileOutcome> run(RepoRef ref, String commit, HubFile file, String key, MirrorProgress progress) {
        return store.stat(key)
                .chain(existing -> {
                    if (isVerified(existing, file)) {
                        LOGGER.debugf("file already verified, skipped repo=%s path=%s key=%s", ref.id(), file.path(), key);
                        progress.fileDone(file.path(), file.size(), true);
                        return Uni.createFrom().item(FileOutcome.skipped(file.path(), file.size()));
                    }
                    return transfer(ref, commit, file, key, progress)
                            .onSubscription().invoke(observer::transferStarted)
                            .onTermination().invoke(observer::transferEnded)
                            .invoke(() -> progress.fileDone(file.path(), file.size(), false))
                            .replaceWith(FileOutcome.written(file.path(), file.size()));
                })
                .onFailure().recoverWithItem(e -> {
                    MirrorException failure = MirrorException.of(e);
                    LOGGER.warnf("file failed repo=%s revision=%s path=%s key=%s reason=%s error=%s", ref.id(),
                            ref.revision(), file.path(), key, failure.reason(), failure.getMessage());
                    return FileOutcome.failed(file.path(), file.size(), failure);
                })
                .invoke(observer::fileFinished);
    }

    /** Whether a stored object is this file, verified by an earlier run. */
    static boolean isVerified(Optional<StoredObject> existing, HubFile file) {
        if (existing.isEmpty() || existing.get().size() != file.size()) {
            return false;
        }
        FileDigest digest = FileDigest.forFile(file);
        return digest.expected().equals(existing.get().metadata().get(digest.metadataKey()));
    }

    private Uni<Void> transfer(RepoRef ref, String commit, HubFile file, String key, MirrorProgress progress) {
        PartPlan plan = plan(ref, file, key);
        FileDigest digest = FileDigest.forFile(file);
        Map<String, String> metadata = Map.of(digest.metadataKey(), digest.expected());
        Leases leases = new Leases();
        if (plan.singlePut()) {
            return withBudget(file.size(), leases, () -> fetch(ref, commit, file, 0, file.size(), digest, progress)
                    .chain(buffer -> {
                        verify(ref, file, key, digest);
                        return timed(store.put(key, buffer, metadata), nanos -> observer.objectPut(file.size(), nanos));
                    }));
        }
        return store.beginUpload(key, file.size(), metadata).chain(upload -> {
            LOGGER.debugf("upload started repo=%s path=%s key=%s uploadId=%s parts=%d", ref.id(), file.path(), key,
                    upload.id(), plan.partCount());
            PartsInFlight inFlight = new PartsInFlight();
            OrderedDigest ordered = new OrderedDigest(digest, hashing);
            return uploadParts(ref, commit, file, plan, upload, inFlight, ordered, leases, progress)
                    .chain(receipts -> {
                        verify(ref, file, key, digest);
                        return upload.complete(receipts);
                    })
                    .invoke(leases::releaseAll)
                    .onFailure().call(e -> {
                        ordered.close();
                        return inFlight.settled().chain(() -> abort(upload, ref, file, e))
                                .eventually(leases::releaseAll);
                    })
                    .onCancellation().call(() -> {
                        ordered.close();
                        return inFlight.settled().chain(() -> abort(upload, ref, file, null))
                                .eventually(leases::releaseAll);
                    });
        });
    }

    /** The file's part plan; a part that the budget or one heap buffer cannot hold fails the file clearly. */
    private PartPlan plan(RepoRef ref, HubFile file, String key) {
        PartPlan plan;
        try {
            plan = PartPlan.of(file.size(), partSize, singlePutThreshold, store.limits());
        } catch (IllegalArgumentException e) {
            throw new MirrorException(Reason.INVALID_REQUEST, "file " + file.path() + " of " + ref + " cannot be "
                    + "written to " + store.url(key) + ": " + e.getMessage());
        }
        if (plan.partSize() > budget.capacity() || plan.partSize() > MAX_BUFFER) {
            throw new MirrorException(Reason.INVALID_REQUEST, "file " + file.path() + " of " + ref + " ("
                    + file.size() + " bytes) needs parts of " + plan.partSize() + " bytes to stay within the store's "
                    + store.limits().maxParts() + "-part limit, more than mirror.transfer.memory-budget ("
                    + budget.capacity() + " bytes) or one heap buffer (" + MAX_BUFFER + " bytes) can hold; nothing "
                    + "was written. Raise mirror.transfer.memory-budget to at least " + plan.partSize() + " bytes.");
        }
        return plan;
    }

    /**
     * Fetches, uploads and hashes every part: at most {@code fetchesPerFile + partsInFlight} parts hold a buffer, at
     * most {@code fetchesPerFile} of them fetch and {@code partsInFlight} upload; completes with the receipts once
     * every part was uploaded and hashed in order.
     */
    private Uni<List<PartReceipt>> uploadParts(RepoRef ref, String commit, HubFile file, PartPlan plan,
            MultipartUpload upload, PartsInFlight inFlight, OrderedDigest ordered, Leases leases,
            MirrorProgress progress) {
        OrderedSlots fetchSlots = new OrderedSlots(fetchesPerFile);
        OrderedSlots uploadSlots = new OrderedSlots(partsInFlight);
        return Multi.createFrom().range(0, plan.partCount())
                .onItem().transformToUni(index -> part(ref, commit, file, plan, index, upload, inFlight, ordered,
                        leases, fetchSlots, uploadSlots, progress))
                .merge(fetchesPerFile + partsInFlight)
                .collect().asList();
    }

    /**
     * One part: a fetch slot, then its budget, then its range into a fresh buffer; then, in parallel, its upload (in
     * an upload slot) and its turn in the ordered digest. The budget is released when both let go of the buffer.
     */
    private Uni<PartReceipt> part(RepoRef ref, String commit, HubFile file, PartPlan plan, int index,
            MultipartUpload upload, PartsInFlight inFlight, OrderedDigest ordered, Leases leases,
            OrderedSlots fetchSlots, OrderedSlots uploadSlots, MirrorProgress progress) {
        long offset = plan.offset(index);
        long length = plan.length(index);
        AtomicReference<Lease> held = new AtomicReference<>();
        Uni<LeasedPart> fetched = fetchSlots.acquire(index).chain(() -> budget.acquire(length,
                granted -> held.set(leases.open(granted)))
                .chain(granted -> {
                    Lease lease = held.get();
                    return fetch(ref, commit, file, offset, length, null, progress)
                            .map(buffer -> new LeasedPart(new Part(index + 1, offset, buffer), lease))
                            .onFailure().invoke(lease::release)
                            .onCancellation().invoke(lease::release);
                })
                .eventually(fetchSlots::release));
        return fetched.chain(leased -> {
            Lease lease = leased.lease();
            // the fetch's hold on the buffer passes to the upload; the digest takes a hold of its own
            lease.retain();
            CompletableFuture<Void> hashed = ordered.offer(index, leased.part().data(), lease::release);
            Uni<PartReceipt> uploaded = uploadSlots.acquire(index)
                    .onCancellation().invoke(lease::release)
                    .chain(() -> inFlight.detach(timed(upload.uploadPart(leased.part()),
                            nanos -> observer.partUploaded(leased.part().length(), nanos)), () -> {
                                lease.release();
                                uploadSlots.release();
                            }));
            return uploaded.chain(receipt -> Uni.createFrom().completionStage(hashed).replaceWith(receipt));
        });
    }

    /**
     * Fetches exactly {@code length} bytes at {@code offset} into a new buffer, feeding {@code digest} (when not null)
     * as bytes arrive.
     */
    private Uni<ByteBuffer> fetch(RepoRef ref, String commit, HubFile file, long offset, long length,
            FileDigest digest, MirrorProgress progress) {
        return Uni.createFrom().deferred(() -> {
            // bridge until the engine fetches into its own pooled buffers (the lead's FileTransfer replaces this)
            BufferScope scope = new BufferScope("fetch " + file.path());
            return BRIDGE_POOL.acquire(length, scope).chain(pooled -> hub.fetch(ref, commit, file, offset, pooled)
                    .map(done -> {
                        ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(length));
                        for (ByteBuffer view : pooled.content()) {
                            if (digest != null) {
                                digest.update(view);
                            }
                            buffer.put(view);
                        }
                        progress.transferred(length);
                        observer.downloaded(length);
                        return buffer.flip();
                    })).eventually(scope::close);
        });
    }

    private void verify(RepoRef ref, HubFile file, String key, FileDigest digest) {
        if (digest.bytes() != file.size()) {
            throw sizeMismatch(ref, file, "received " + digest.bytes() + " bytes");
        }
        String actual = digest.finish();
        if (!actual.equals(digest.expected())) {
            throw new MirrorException(Reason.CHECKSUM_MISMATCH, "file " + file.path() + " of " + ref + " failed "
                    + (file.isLfs() ? "sha256" : "git sha1") + " verification: expected " + digest.expected() + ", got "
                    + actual + "; nothing was written to " + store.url(key)
                    + ". The download was corrupted in transit or by a proxy; retry the job.");
        }
    }

    private static MirrorException sizeMismatch(RepoRef ref, HubFile file, String detail) {
        return new MirrorException(Reason.SIZE_MISMATCH, "file " + file.path() + " of " + ref + " is listed with "
                + file.size() + " bytes but " + detail + "; nothing was written. Retry the job; if it persists the Hub "
                + "listing and content disagree.");
    }

    /** Reports how long {@code work} took from subscription to success. */
    private static <T> Uni<T> timed(Uni<T> work, java.util.function.LongConsumer took) {
        return Uni.createFrom().deferred(() -> {
            long start = System.nanoTime();
            return work.invoke(() -> took.accept(System.nanoTime() - start));
        });
    }

    private Uni<Void> withBudget(long bytes, Leases leases, java.util.function.Supplier<Uni<Void>> work) {
        return budget.acquire(bytes, leases::open).chain(granted -> work.get()).eventually(leases::releaseAll);
    }

    private Uni<Void> abort(MultipartUpload upload, RepoRef ref, HubFile file, Throwable cause) {
        LOGGER.infof("upload aborted repo=%s path=%s key=%s uploadId=%s error=%s", ref.id(), file.path(), upload.key(),
                upload.id(), cause == null ? "cancelled" : cause.getMessage());
        return upload.abort().onFailure().recoverWithItem(e -> {
            LOGGER.warnf("abort failed key=%s uploadId=%s error=%s; the store's lifecycle rule for incomplete "
                    + "multipart uploads will reclaim it", upload.key(), upload.id(), e.getMessage());
            return null;
        });
    }

    /**
     * The budget leases of one file. A lease is opened the moment the budget grants it (not when a subscriber sees
     * the grant, which a cancellation at the same instant can drop), and when the file ends, after its part uploads
     * settled, every lease still open goes back to the budget: whatever the timing of a cancellation, the file holds
     * nothing once it is over. A grant that arrives after that is given back at once.
     */
    private final class Leases {
        private final Set<Lease> open = ConcurrentHashMap.newKeySet();
        private boolean closed;

        Lease open(long bytes) {
            Lease lease = new Lease(bytes, this);
            synchronized (this) {
                if (!closed) {
                    open.add(lease);
                    return lease;
                }
            }
            lease.giveBack();
            return lease;
        }

        void releaseAll() {
            List<Lease> all;
            synchronized (this) {
                closed = true;
                all = List.copyOf(open);
            }
            all.forEach(Lease::giveBack);
        }
    }

    /**
     * Budget bytes held for one buffer by one or more holders (the fetch, then the upload and the digest); the bytes go
     * back to the budget once, when the last holder releases or the file ends.
     */
    private final class Lease {
        private final long bytes;
        private final Leases owner;
        private final AtomicInteger holders = new AtomicInteger(1);
        private final AtomicBoolean returned = new AtomicBoolean();

        Lease(long bytes, Leases owner) {
            this.bytes = bytes;
            this.owner = owner;
        }

        void retain() {
            holders.incrementAndGet();
        }

        void release() {
            if (holders.decrementAndGet() <= 0) {
                giveBack();
            }
        }

        void giveBack() {
            if (returned.compareAndSet(false, true)) {
                owner.open.remove(this);
                budget.release(bytes);
            }
        }
    }

    private record LeasedPart(Part part, Lease lease) {
    }

    /**
     * Part uploads of one file, detached from cancellation: cancelling the file does not cut a part request that
     * may already have reached the store. The abort waits until every started part has settled, because S3 may
     * still accept a part that was in flight when the upload was aborted (AWS documents that an abort can then
     * leave parts behind); aborting after they settled leaves nothing.
     */
    private static final class PartsInFlight {
        private final Set<CompletableFuture<PartReceipt>> running = ConcurrentHashMap.newKeySet();
        private boolean closed;

        /** Starts the part upload; {@code settledAction} runs once it has finished (or was refused). */
        Uni<PartReceipt> detach(Uni<PartReceipt> partUpload, Runnable settledAction) {
            CompletableFuture<PartReceipt> result = new CompletableFuture<>();
            synchronized (this) {
                if (closed) {
                    settledAction.run();
                    // the file already failed or was cancelled: start nothing that the abort would not see
                    return Uni.createFrom().failure(new CancellationException("upload closed"));
                }
                running.add(result);
            }
            result.whenComplete((r, e) -> {
                running.remove(result);
                settledAction.run();
            });
            partUpload.subscribe().with(result::complete, result::completeExceptionally);
            // the returned Uni observes the result; cancelling it leaves the part upload running to its end
            return Uni.createFrom().emitter(emitter -> result.whenComplete((r, e) -> {
                if (e != null) {
                    emitter.fail(e);
                } else {
                    emitter.complete(r);
                }
            }));
        }

        /** Refuses new parts, then completes when every part started so far has finished, successfully or not. */
        Uni<Void> settled() {
            CompletableFuture<?>[] all;
            synchronized (this) {
                closed = true;
                all = running.toArray(new CompletableFuture<?>[0]);
            }
            return Uni.createFrom().completionStage(CompletableFuture.allOf(all).handle((v, e) -> (Void) null));
        }
    }
}
