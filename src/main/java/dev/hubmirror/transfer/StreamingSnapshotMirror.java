package dev.hubmirror.transfer;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.hub.HubClient;
import dev.hubmirror.hub.HubFile;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.store.ObjectStore;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The {@link SnapshotMirror}: resolve once, list at the commit, transfer the selected files (at most
 * {@code filesInFlight} at once, each verified before it is visible), optionally add {@code blobs/} copies, then write
 * {@code trees/<commit>.json} and finally {@code refs/<revision>}. A file that fails does not stop the others (they
 * are kept, verified, so a re-run only fetches what is missing), but the snapshot's {@code refs/} is only written
 * when every selected file is in place.
 */
public final class StreamingSnapshotMirror implements SnapshotMirror {

    private static final Logger LOGGER = Logger.getLogger(StreamingSnapshotMirror.class);
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    private final HubClient hub;
    private final ObjectStore store;
    private final FileTransfer files;
    private final int filesInFlight;
    private final boolean blobs;

    public StreamingSnapshotMirror(HubClient hub, ObjectStore store, FileTransfer files, int filesInFlight,
            boolean blobs) {
        if (filesInFlight < 1) {
            throw new IllegalArgumentException("files in flight must be at least 1");
        }
        this.hub = hub;
        this.store = store;
        this.files = files;
        this.filesInFlight = filesInFlight;
        this.blobs = blobs;
    }

    @Override
    public Uni<MirrorOutcome> mirror(MirrorSpec spec, MirrorProgress progress) {
        RepoRef ref = spec.ref();
        PathFilter filter = PathFilter.of(spec.include(), spec.exclude());
        return hub.resolveCommit(ref)
                .chain(commit -> hub.listFiles(ref, commit).chain(tree -> {
                    List<HubFile> selected = tree.stream().filter(f -> filter.accepts(f.path())).toList();
                    selected.forEach(f -> SafePath.check(ref.id().id(), f.path()));
                    long bytes = selected.stream().mapToLong(HubFile::size).sum();
                    LOGGER.infof("mirror planned repo=%s revision=%s commit=%s files=%d bytes=%d store=%s", ref.id(),
                            ref.revision(), commit, selected.size(), bytes, store.url(CacheLayout.snapshotFolder(ref,
                                    commit)));
                    progress.planned(commit, selected.size(), bytes);
                    return abortOrphanedUploads(ref, commit)
                            .chain(() -> transferAll(ref, commit, selected, progress))
                            .chain(outcomes -> finish(ref, commit, tree, selected, outcomes));
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
                        LOGGER.infof("orphaned uploads aborted repo=%s commit=%s key=%s count=%d", ref.id(), commit,
                                folder, n);
                    }
                })
                .onFailure().recoverWithItem(e -> {
                    LOGGER.warnf("orphaned uploads not aborted repo=%s commit=%s key=%s error=%s", ref.id(), commit,
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
                    return files.run(ref, commit, file, key, progress)
                            .chain(outcome -> blobs && outcome.failure().isEmpty()
                                    ? copyToBlobs(ref, file, key).replaceWith(outcome)
                                            .onFailure().recoverWithItem(e -> FileOutcome.failed(file.path(),
                                                    file.size(), MirrorException.of(e)))
                                    : Uni.createFrom().item(outcome));
                })
                .merge(filesInFlight)
                .collect().asList();
    }

    private Uni<Void> copyToBlobs(RepoRef ref, HubFile file, String snapshotKey) {
        String blobKey = CacheLayout.blob(ref, file.etag());
        return store.stat(blobKey).chain(existing -> FileTransfer.isVerified(existing, file)
                ? Uni.createFrom().voidItem()
                : store.copy(snapshotKey, blobKey));
    }

    private Uni<MirrorOutcome> finish(RepoRef ref, String commit, List<HubFile> tree, List<HubFile> selected,
            List<FileOutcome> outcomes) {
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
        long downloaded = outcomes.stream().mapToLong(FileOutcome::bytesDownloaded).sum();
        long bytes = selected.stream().mapToLong(HubFile::size).sum();
        MirrorOutcome outcome = new MirrorOutcome(commit, store.url(CacheLayout.snapshotFolder(ref, commit)),
                selected.size(), bytes, skipped, downloaded);
        return writeTree.chain(() -> writeRef).invoke(() -> LOGGER.infof(
                "mirror succeeded repo=%s revision=%s commit=%s files=%d skipped=%d bytesDownloaded=%d", ref.id(),
                ref.revision(), commit, selected.size(), skipped, downloaded)).replaceWith(outcome);
    }
}
