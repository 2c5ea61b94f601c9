package dev.hubmirror.transfer;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.HubClient;
import dev.hubmirror.hub.HubFile;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.store.MultipartUpload;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.Part;
import dev.hubmirror.store.PartReceipt;
import dev.hubmirror.store.StoredObject;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Streams one Hub file into one store object, verified before it becomes visible.
 *
 * <p>The part is the unit of work: part {@code i} is fetched as a Range request of exactly its bytes into a buffer
 * reserved from the {@link MemoryBudget}, hashed, then uploaded; parts are fetched one after another (so the hash
 * sees bytes in file order) while up to {@code partsInFlight} parts upload concurrently. Heap per file is at most
 * {@code partsInFlight x partSize}, and the global budget caps all files together. When the last part is fetched the
 * digest and size are compared with what the Hub listed: on a match the upload is completed, otherwise (and on any
 * failure or cancellation) it is aborted, so no unverified object is ever visible. Files at or below the single-PUT
 * threshold are fetched whole, verified, and written with one PUT.
 *
 * <p>The expected hash is stored as object metadata; a later run that finds an object of the right size carrying the
 * right hash skips the file without downloading it.
 */
public final class FileTransfer {

    private static final Logger LOGGER = Logger.getLogger(FileTransfer.class);

    private final HubClient hub;
    private final ObjectStore store;
    private final MemoryBudget budget;
    private final long partSize;
    private final long singlePutThreshold;
    private final int partsInFlight;
    private final TransferObserver observer;

    public FileTransfer(HubClient hub, ObjectStore store, MemoryBudget budget, long partSize, long singlePutThreshold,
            int partsInFlight) {
        this(hub, store, budget, partSize, singlePutThreshold, partsInFlight, TransferObserver.NONE);
    }

    /** With an observer that sees bytes, files and upload times (metrics). */
    public FileTransfer(HubClient hub, ObjectStore store, MemoryBudget budget, long partSize, long singlePutThreshold,
            int partsInFlight, TransferObserver observer) {
        if (partsInFlight < 1) {
            throw new IllegalArgumentException("parts in flight must be at least 1");
        }
        this.hub = hub;
        this.store = store;
        this.budget = budget;
        this.partSize = partSize;
        this.singlePutThreshold = singlePutThreshold;
        this.partsInFlight = partsInFlight;
        this.observer = observer;
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
        PartPlan plan = PartPlan.of(file.size(), partSize, singlePutThreshold, store.limits());
        FileDigest digest = FileDigest.forFile(file);
        Map<String, String> metadata = Map.of(digest.metadataKey(), digest.expected());
        if (plan.singlePut()) {
            return withBudget(file.size(), () -> fetch(ref, commit, file, 0, file.size(), digest, progress)
                    .chain(buffer -> {
                        verify(ref, file, key, digest);
                        return timed(store.put(key, buffer, metadata), nanos -> observer.objectPut(file.size(), nanos));
                    }));
        }
        return store.beginUpload(key, file.size(), metadata).chain(upload -> {
            LOGGER.debugf("upload started repo=%s path=%s key=%s uploadId=%s parts=%d", ref.id(), file.path(), key,
                    upload.id(), plan.partCount());
            PartsInFlight inFlight = new PartsInFlight();
            return uploadParts(ref, commit, file, plan, digest, upload, inFlight, progress)
                    .chain(receipts -> {
                        verify(ref, file, key, digest);
                        return upload.complete(receipts);
                    })
                    .onFailure().call(e -> inFlight.settled().chain(() -> abort(upload, ref, file, e)))
                    .onCancellation().call(() -> inFlight.settled().chain(() -> abort(upload, ref, file, null)));
        });
    }

    private Uni<List<PartReceipt>> uploadParts(RepoRef ref, String commit, HubFile file, PartPlan plan,
            FileDigest digest, MultipartUpload upload, PartsInFlight inFlight, MirrorProgress progress) {
        return Multi.createFrom().range(0, plan.partCount())
                .onItem().transformToUniAndConcatenate(index -> {
                    long length = plan.length(index);
                    return budget.acquire(length).chain(granted -> {
                        Lease lease = new Lease(granted);
                        return fetch(ref, commit, file, plan.offset(index), length, digest, progress)
                                .map(buffer -> new LeasedPart(new Part(index + 1, plan.offset(index), buffer), lease))
                                .onFailure().invoke(lease::release)
                                .onCancellation().invoke(lease::release);
                    });
                })
                .onItem().transformToUni(leased -> inFlight.detach(timed(upload.uploadPart(leased.part()),
                        nanos -> observer.partUploaded(leased.part().length(), nanos)), leased.lease()::release))
                .merge(partsInFlight)
                .collect().asList();
    }

    /** Fetches exactly {@code length} bytes at {@code offset} into a new buffer, feeding the digest in order. */
    private Uni<ByteBuffer> fetch(RepoRef ref, String commit, HubFile file, long offset, long length,
            FileDigest digest, MirrorProgress progress) {
        return Uni.createFrom().deferred(() -> {
            ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(length));
            return hub.download(ref, commit, file, offset, length)
                    .onItem().invoke(chunk -> {
                        int n = chunk.remaining();
                        if (n > buffer.remaining()) {
                            throw sizeMismatch(ref, file, "the Hub sent more bytes than listed");
                        }
                        digest.update(chunk);
                        buffer.put(chunk);
                        progress.transferred(n);
                        observer.downloaded(n);
                    })
                    .collect().last()
                    .map(ignored -> {
                        if (buffer.hasRemaining()) {
                            throw sizeMismatch(ref, file, "the Hub sent fewer bytes than listed");
                        }
                        return buffer.flip();
                    });
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

    private Uni<Void> withBudget(long bytes, java.util.function.Supplier<Uni<Void>> work) {
        return budget.acquire(bytes).chain(granted -> {
            Lease lease = new Lease(granted);
            return work.get().eventually(lease::release);
        });
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

    /** Budget bytes held for one part; released exactly once. */
    private final class Lease {
        private final long bytes;
        private final AtomicBoolean released = new AtomicBoolean();

        Lease(long bytes) {
            this.bytes = bytes;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
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
