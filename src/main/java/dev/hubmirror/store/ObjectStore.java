package dev.hubmirror.store;

import dev.hubmirror.failure.Reason;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;

/**
 * The private object store the mirror writes to. Keys are relative to the store's prefix and use {@code /}.
 * All methods are non-blocking and lazy: nothing happens until subscription, and re-subscribing re-sends, so
 * callers may {@code retry()} them. Failures are {@link StoreException}s.
 *
 * <p>Visibility contract: an object becomes visible under its key only when {@link #put} or
 * {@link MultipartUpload#complete} succeeds; an aborted or failed upload leaves nothing visible.
 */
public interface ObjectStore {

    /** The adapter kind, a fixed low-cardinality word for logs and metric tags: {@code s3}, {@code file}, {@code gcs}. */
    String kind();

    /** The URL of a key as workers would address it, e.g. {@code s3://bucket/prefix/key} or {@code file:///dir/key}. */
    String url(String key);

    /** Limits of this store that shape the part plan. */
    StoreLimits limits();

    /**
     * Whether this store writes the parts of an upload strictly in part-number order (GCS resumable uploads are a
     * sequential byte stream). When true, {@link MultipartUpload#uploadPart} still accepts parts in any order and
     * concurrently, but the Uni of part {@code n} completes only after parts {@code 1..n-1} were written, so a caller
     * must subscribe to every part's predecessors no later than to the part itself (ascending order with bounded
     * concurrency does this); concurrency then only overlaps the download of later parts with the upload of earlier
     * ones. Default {@code false}: parts are independent (S3, directory).
     */
    default boolean orderedParts() {
        return false;
    }

    /**
     * The most part uploads of one object this store takes at once, whatever {@code mirror.transfer.parts-in-flight}
     * says. Default: no limit of its own (S3 writes parts in parallel on separate connections).
     */
    default int maxPartsInFlight() {
        return Integer.MAX_VALUE;
    }

    /** Size and user metadata of a visible object, or empty when there is none. */
    Uni<Optional<StoredObject>> stat(String key);

    /**
     * Streams the bytes of a visible object in order, with back-pressure (nothing is read ahead of demand); for
     * verification ({@code refs/}, {@code trees/}, and re-hashing snapshot files). Fails with a {@link StoreException}
     * when the object does not exist or cannot be read. The default fails: a store that cannot read cannot be
     * verified.
     */
    default Multi<ByteBuffer> read(String key) {
        return Multi.createFrom().failure(new StoreException(Reason.STORE_ERROR, false, "cannot read store key '"
                + key + "': the " + kind() + " store of this build does not support reading objects", null));
    }

    /**
     * Writes a whole object at once (small files, {@code refs/}, {@code trees/}); visible when the Uni succeeds. The
     * caller keeps the content unchanged until then.
     */
    Uni<Void> put(String key, Content content, Map<String, String> metadata);

    /** {@link #put(String, Content, Map)} of the remaining bytes of one buffer. */
    default Uni<Void> put(String key, ByteBuffer content, Map<String, String> metadata) {
        return put(key, Content.of(content), metadata);
    }

    /**
     * Heap this store holds by itself, beyond the caller's buffers, while it writes an object of {@code size} bytes
     * ({@code multipart}: through {@link #beginUpload}, else one {@link #put}); the transfer engine reserves it from the
     * memory budget for as long as the write lasts. Default 0: the store sends the caller's buffers as they are.
     */
    default long writeOverhead(long size, boolean multipart) {
        return 0;
    }

    /**
     * Starts a multipart upload of an object of a known total size. Nothing is visible until
     * {@link MultipartUpload#complete}. {@code metadata} is stored with the object.
     */
    Uni<MultipartUpload> beginUpload(String key, long size, Map<String, String> metadata);

    /**
     * Aborts the unfinished uploads under {@code prefix} (a key or a key prefix ending in {@code /}) that this store
     * instance is not running: multipart uploads or temp files left behind by a process that crashed (SIGKILL, OOM
     * kill, node loss) before it could complete or abort them. Uploads this instance began and has not finished are
     * left alone. Emits how many were aborted. Never makes anything visible and never touches a visible object.
     *
     * <p>The default does nothing and emits 0: for stores whose unfinished uploads are invisible, free and expire by
     * themselves (GCS resumable sessions expire after a week).
     */
    default Uni<Integer> abortUploads(String prefix) {
        return Uni.createFrom().item(0);
    }

    /** Copies a visible object to another key inside the store without moving bytes through this process. */
    Uni<Void> copy(String sourceKey, String targetKey);

    /** Deletes an object; deleting a missing key succeeds. */
    Uni<Void> delete(String key);

    /** Checks that the store is reachable and writable (a small probe object under the prefix). */
    Uni<Void> probe();
}
