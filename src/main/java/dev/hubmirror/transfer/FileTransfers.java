package dev.hubmirror.transfer;

import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.KEY;
import static dev.hubmirror.log.LogKeys.PATH;
import static dev.hubmirror.log.LogKeys.REASON;
import static dev.hubmirror.log.LogKeys.REPO;
import static dev.hubmirror.log.LogKeys.REVISION;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.HubClient;
import dev.hubmirror.hub.HubFile;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.memory.BufferPool;
import dev.hubmirror.store.PartPlan;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.StoredObject;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.jboss.logging.Logger;

/**
 * Moves single files from the Hub into one store: the engine's entry point for one file. It skips a file the store
 * already holds verified (the expected hash in the object's metadata, from an earlier run), and otherwise runs a
 * {@link FilePipeline} for it: parts fetched into buffers from the shared {@link BufferPool}, uploaded, hashed in file
 * order, verified, and only then made visible. Thread-safe; one instance serves every file of every job that writes to
 * its store with its Hub client.
 */
public final class FileTransfers {

    private static final Logger LOGGER = Logger.getLogger(FileTransfers.class);
    /** Parts up to this size are hashed on the thread that fetched them when it is their turn (a few microseconds). */
    static final long INLINE_HASH_BYTES = 256 * 1024;

    private final HubClient hub;
    private final ObjectStore store;
    private final BufferPool pool;
    private final TransferSettings settings;
    private final Executor hashing;
    private final TransferObserver observer;

    /**
     * An engine over a Hub client, a store and the shared memory budget. Hashing of large parts runs on
     * {@code hashing}, a worker pool (never an event loop).
     *
     * @throws IllegalArgumentException when a part or a single-PUT file could never fit the budget
     */
    public FileTransfers(HubClient hub, ObjectStore store, BufferPool pool, TransferSettings settings, Executor hashing,
            TransferObserver observer) {
        settings.checkAgainst(pool);
        this.hub = hub;
        this.store = store;
        this.pool = pool;
        this.settings = settings;
        this.hashing = hashing;
        this.observer = observer;
    }

    /** An engine hashing on Mutiny's default worker pool (Quarkus' worker pool in the service). */
    public FileTransfers(HubClient hub, ObjectStore store, BufferPool pool, TransferSettings settings,
            TransferObserver observer) {
        this(hub, store, pool, settings, Infrastructure.getDefaultWorkerPool(), observer);
    }

    HubClient hub() {
        return hub;
    }

    ObjectStore store() {
        return store;
    }

    BufferPool pool() {
        return pool;
    }

    TransferSettings settings() {
        return settings;
    }

    Executor hashing() {
        return hashing;
    }

    TransferObserver observer() {
        return observer;
    }

    /** Transfers the file to {@code key} unless a verified copy is already there. Never fails: see the outcome. */
    public Uni<FileOutcome> run(RepoRef ref, String commit, HubFile file, String key, MirrorProgress progress) {
        return store.stat(key)
                .chain(existing -> {
                    if (isVerified(existing, file)) {
                        LOGGER.debugf("file already verified, skipped" + REPO + PATH + KEY, ref.id(), file.path(), key);
                        progress.fileDone(file.path(), file.size(), true);
                        return Uni.createFrom().item(FileOutcome.skipped(file.path(), file.size()));
                    }
                    return Uni.createFrom().deferred(() -> new FilePipeline(this, ref, commit, file, key, progress).run())
                            .onSubscription().invoke(observer::transferStarted)
                            .onTermination().invoke(observer::transferEnded)
                            .invoke(() -> progress.fileDone(file.path(), file.size(), false))
                            .replaceWith(FileOutcome.written(file.path(), file.size()));
                })
                .onFailure().recoverWithItem(e -> {
                    MirrorException failure = MirrorException.of(e);
                    LOGGER.warnf("file failed" + REPO + REVISION + PATH + KEY + REASON + ERROR, ref.id(),
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

    /** The file's part plan; a part the budget cannot hold fails the file clearly, before anything is fetched. */
    PartPlan plan(RepoRef ref, HubFile file, String key) {
        PartPlan plan;
        try {
            plan = PartPlan.of(file.size(), settings.partSize(), settings.singlePutThreshold(), store.limits());
        } catch (IllegalArgumentException e) {
            throw new MirrorException(Reason.INVALID_REQUEST, "file " + file.path() + " of " + ref + " cannot be "
                    + "written to " + store.url(key) + ": " + e.getMessage());
        }
        long need = pool.footprint(plan.partSize()) + store.writeOverhead(file.size(), !plan.singlePut());
        if (need > pool.capacity() || plan.partSize() > TransferSettings.MAX_PART) {
            throw new MirrorException(Reason.INVALID_REQUEST, "file " + file.path() + " of " + ref + " ("
                    + file.size() + " bytes) needs parts of " + plan.partSize() + " bytes to stay within the store's "
                    + store.limits().maxParts() + "-part limit, more than mirror.transfer.memory-budget ("
                    + pool.capacity() + " bytes) or one part (" + TransferSettings.MAX_PART + " bytes) can hold; "
                    + "nothing was written. Raise mirror.transfer.memory-budget to at least " + need + " bytes.");
        }
        return plan;
    }
}
