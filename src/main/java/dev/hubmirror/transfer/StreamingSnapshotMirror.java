package dev.hubmirror.transfer;

import static dev.hubmirror.log.LogKeys.BYTES;
import static dev.hubmirror.log.LogKeys.BYTES_DOWNLOADED;
import static dev.hubmirror.log.LogKeys.COUNT;
import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.FILES;
import static dev.hubmirror.log.LogKeys.KEY;
import static dev.hubmirror.log.LogKeys.PATH;
import static dev.hubmirror.log.LogKeys.REPO;
import static dev.hubmirror.log.LogKeys.REVISION;
import static dev.hubmirror.log.LogKeys.SKIPPED;
import static dev.hubmirror.log.LogKeys.STORE;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.RetrySettings;
import dev.hubmirror.hub.HubClient;
import dev.hubmirror.hub.HubFile;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.StoreException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;
import dev.hubmirror.log.LogKeys;

/**
 * The {@link SnapshotMirror}: resolve once, list at the commit, transfer the selected files (at most
 * {@code filesInFlight} at once, each verified before it is visible), optionally add {@code blobs/} copies, then write
 * {@code trees/<commit>.json} and finally {@code refs/<revision>}. A file that fails does not stop the others (they
 * are kept, verified, so a re-run only fetches what is missing), but the snapshot's {@code refs/} is only written
 * when every selected file is in place.
 *
 * <p>A file that fails with a retriable store failure (one that the store's per-request retries could not fix, such
 * as an expired GCS resumable session or a vanished S3 upload) starts again from its first byte, up to
 * the retry settings' attempts with a doubling, jittered back-off; the failed attempt's upload was already aborted,
 * so nothing partial is visible. Hub failures are not retried here: the Hub client already retries each request and
 * resumes by Range. Progress stays monotonic: bytes that a failed attempt reported are not reported twice.
 */
public final class StreamingSnapshotMirror implements SnapshotMirror {

    private static final Logger LOGGER = Logger.getLogger(StreamingSnapshotMirror.class);
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    private final HubClient hub;
    private final ObjectStore store;
    private final FileTransfers files;
    private final int filesInFlight;
    private final boolean blobs;
    private final RetrySettings retry;
    private final SnapshotLimits limits;

    /** A mirror without job limits whose files are tried once. */
    public StreamingSnapshotMirror(HubClient hub, ObjectStore store, FileTransfers files, int filesInFlight,
            boolean blobs) {
        this(hub, store, files, filesInFlight, blobs, RetrySettings.NONE, SnapshotLimits.NONE);
    }

    /** With whole-file retries on retriable store failures. */
    public StreamingSnapshotMirror(HubClient hub, ObjectStore store, FileTransfers files, int filesInFlight,
            boolean blobs, RetrySettings retry) {
        this(hub, store, files, filesInFlight, blobs, retry, SnapshotLimits.NONE);
    }

    /**
     * With whole-file retries and job limits.
     *
     * @param filesInFlight files of one job started at once; how many really move at once is bounded by the memory
     *     budget and the Hub client's connections, which every file waits for
     * @param retry how often a whole file is tried when it fails with a retriable store failure, and the waits
     */
    public StreamingSnapshotMirror(HubClient hub, ObjectStore store, FileTransfers files, int filesInFlight,
            boolean blobs, RetrySettings retry, SnapshotLimits limits) {
        if (filesInFlight < 1) {
            throw new IllegalArgumentException("mirror.transfer.files-in-flight must be at least 1, got "
                    + filesInFlight);
        }
        this.hub = hub;
        this.store = store;
        this.files = files;
        this.filesInFlight = filesInFlight;
        this.blobs = blobs;
        this.retry = retry;
        this.limits = limits;
    }

    @Override
    public Uni<MirrorOutcome> mirror(MirrorSpec spec, MirrorProgress progress) {
        RepoRef ref = spec.ref();
        PathFilter filter = PathFilter.of(spec.include(), spec.exclude());
        return hub.resolveCommit(ref)
                .chain(commit -> hub.listFiles(ref, commit).chain(tree -> {
                    SafeTree.check(ref, commit, tree);
                    List<HubFile> selected = tree.stream().filter(f -> filter.accepts(f.path())).toList();
                    EmptySelection.check(spec, commit, tree, selected.size());
                    long bytes = limits.check(ref, commit, selected);
                    LOGGER.infof("mirror planned" + REPO + REVISION + LogKeys.COMMIT + FILES + BYTES + STORE, ref.id(),
                            ref.revision(), commit, selected.size(), bytes,
                            store.url(CacheLayout.snapshotFolder(ref, commit)));
                    progress.planned(commit, selected.size(), bytes);
                    return abortOrphanedUploads(ref, commit)
                            .chain(() -> transferAll(ref, commit, selected, progress))
                            .chain(outcomes -> finish(ref, commit, tree, selected, bytes, outcomes));
                }));
    }

    /**
     * Aborts the uploads into this snapshot that a crashed run left behind (multipart uploads, temp files), so that
     * files it was writing start again cleanly; a failure here is logged, not fatal (the bucket's lifecycle rule is
     * the backstop).
     */
    private Uni<Void> abortOrphanedUploads(RepoRef ref, String commit) {
        String folder = CacheLayout.snapshotFolder(ref, commit);
        return store.abortUploads(folder)
                .invoke(n -> {
                    if (n > 0) {
                        LOGGER.infof("orphaned uploads aborted" + REPO + LogKeys.COMMIT + KEY + COUNT, ref.id(), commit,
                                folder, n);
                    }
                })
                .onFailure().recoverWithItem(e -> {
                    LOGGER.warnf("orphaned uploads not aborted" + REPO + LogKeys.COMMIT + KEY + ERROR, ref.id(), commit,
                            folder, e.getMessage());
                    return 0;
                })
                .replaceWithVoid();
    }

    private Uni<List<FileOutcome>> transferAll(RepoRef ref, String commit, List<HubFile> selected,
            MirrorProgress progress) {
        return Multi.createFrom().iterable(selected)
                .onItem().transformToUni(file -> {
                    String key = CacheLayout.snapshotFile(ref, commit, file.path());
                    return runWithRetries(ref, commit, file, key, new OnceProgress(progress), 1)
                            .chain(outcome -> blobs && outcome.failure().isEmpty()
                                    ? copyToBlobs(ref, file, key).replaceWith(outcome)
                                            .onFailure().recoverWithItem(e -> FileOutcome.failed(file.path(),
                                                    file.size(), MirrorException.of(e)))
                                    : Uni.createFrom().item(outcome));
                })
                .merge(filesInFlight)
                .collect().asList();
    }

    private Uni<FileOutcome> runWithRetries(RepoRef ref, String commit, HubFile file, String key,
            OnceProgress progress, int attempt) {
        return files.run(ref, commit, file, key, progress.startAttempt()).chain(outcome -> {
            if (!retry.mayRetry(attempt) || !isRetriableStoreFailure(outcome)) {
                return Uni.createFrom().item(outcome);
            }
            Duration wait = retry.delay(attempt);
            LOGGER.warnf("file failed, trying it again from its first byte in %s (attempt %d of %d)" + REPO
                    + LogKeys.COMMIT + PATH + KEY + ": %s", wait, attempt + 1, retry.maxAttempts(), ref.id(), commit,
                    file.path(), key, outcome.failure().get().getMessage());
            return Uni.createFrom().voidItem().onItem().delayIt().by(wait)
                    .chain(() -> runWithRetries(ref, commit, file, key, progress, attempt + 1));
        });
    }

    private static boolean isRetriableStoreFailure(FileOutcome outcome) {
        return outcome.failure().filter(f -> f instanceof StoreException && f.retriable()).isPresent();
    }

    /**
     * Passes progress on, but reports each byte of a file once across its attempts: a new attempt reports only
     * what goes beyond the furthest an earlier attempt got.
     */
    private static final class OnceProgress implements MirrorProgress {

        private final MirrorProgress delegate;
        private final AtomicLong reported = new AtomicLong();
        private final AtomicLong seen = new AtomicLong();

        OnceProgress(MirrorProgress delegate) {
            this.delegate = delegate;
        }

        OnceProgress startAttempt() {
            seen.set(0);
            return this;
        }

        @Override
        public void planned(String commit, int files, long bytes) {
            delegate.planned(commit, files, bytes);
        }

        @Override
        public void transferred(long bytes) {
            long now = seen.accumulateAndGet(bytes, SnapshotLimits::saturatedAdd);
            long before = reported.getAndAccumulate(now, Math::max);
            if (now > before) {
                delegate.transferred(now - before);
            }
        }

        @Override
        public void fileDone(String path, long size, boolean skipped) {
            delegate.fileDone(path, size, skipped);
        }
    }

    private Uni<Void> copyToBlobs(RepoRef ref, HubFile file, String snapshotKey) {
        String blobKey = CacheLayout.blob(ref, file.etag());
        return store.stat(blobKey).chain(existing -> FileTransfers.isVerified(existing, file)
                ? Uni.createFrom().voidItem()
                : store.copy(snapshotKey, blobKey));
    }

    private Uni<MirrorOutcome> finish(RepoRef ref, String commit, List<HubFile> tree, List<HubFile> selected,
            long bytes, List<FileOutcome> outcomes) {
        List<FileOutcome> failed = outcomes.stream().filter(o -> o.failure().isPresent()).toList();
        if (!failed.isEmpty()) {
            MirrorException first = failed.get(0).failure().get();
            String message = failed.size() + " of " + selected.size() + " files of " + ref + " (commit " + commit
                    + ") failed; refs/" + ref.revision() + " was not written, so the snapshot is not visible to "
                    + "workers. First failure (" + failed.get(0).path() + "): " + first.getMessage();
            return Uni.createFrom().failure(new MirrorException(first.reason(), first.retriable(), message, first));
        }
        Uni<Void> writeTree = store.put(CacheLayout.tree(ref, commit), ByteBuffer.wrap(TreeManifest.render(tree)),
                Map.of());
        // a revision that is the commit itself has no ref file (huggingface_hub does the same)
        Uni<Void> writeRef = COMMIT.matcher(ref.revision()).matches()
                ? Uni.createFrom().voidItem()
                : store.put(CacheLayout.ref(ref), ByteBuffer.wrap(commit.getBytes(StandardCharsets.US_ASCII)),
                        Map.of());
        int skipped = (int) outcomes.stream().filter(FileOutcome::skipped).count();
        long downloaded = outcomes.stream().mapToLong(FileOutcome::bytesDownloaded).reduce(0,
                SnapshotLimits::saturatedAdd);
        MirrorOutcome outcome = new MirrorOutcome(commit, store.url(CacheLayout.snapshotFolder(ref, commit)),
                selected.size(), bytes, skipped, downloaded);
        return writeTree.chain(() -> writeRef).invoke(() -> LOGGER.infof("mirror succeeded" + REPO + REVISION
                + LogKeys.COMMIT + FILES + SKIPPED + BYTES_DOWNLOADED, ref.id(), ref.revision(), commit,
                selected.size(), skipped, downloaded)).replaceWith(outcome);
    }
}
