package dev.hubmirror.store;

import dev.hubmirror.failure.Reason;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The part of every {@link ObjectStore} that the contract fixes, written once: every key is checked by the store's
 * {@link StoreKeys} before anything else happens, metadata is written and read back in its normal form
 * ({@link StoreMetadata}), an upload of a negative size is refused, and every call is lazy (a refusal is a failed
 * {@code Uni}, so nothing happens before subscription). Adapters implement the checked operations and the rest of
 * the port; their multipart uploads extend {@link CheckedMultipartUpload}.
 */
public abstract class AbstractObjectStore implements ObjectStore {

    private final StoreKeys keys;

    protected AbstractObjectStore(StoreKeys keys) {
        this.keys = keys;
    }

    /** The rules this store's keys follow. */
    protected final StoreKeys keys() {
        return keys;
    }

    @Override
    public final String url(String key) {
        return urlOf(keys.checkKeyOrFolder(key));
    }

    @Override
    public final Uni<Optional<StoredObject>> stat(String key) {
        return checked(() -> statChecked(keys.check(key)))
                .map(found -> found.map(o -> new StoredObject(o.key(), o.size(), StoreMetadata.normalise(o.metadata()))));
    }

    @Override
    public final Multi<ByteBuffer> read(String key) {
        return Multi.createFrom().deferred(() -> readChecked(keys.check(key)));
    }

    @Override
    public final Uni<Void> put(String key, Content content, Map<String, String> metadata) {
        return checked(() -> putChecked(keys.check(key), content, StoreMetadata.normalise(metadata)));
    }

    @Override
    public final Uni<MultipartUpload> beginUpload(String key, long size, Map<String, String> metadata) {
        return checked(() -> {
            keys.check(key);
            if (size < 0) {
                throw new StoreException(Reason.INTERNAL, false,
                        "upload of store key '" + key + "' has a negative size " + size, null);
            }
            return beginChecked(key, size, StoreMetadata.normalise(metadata));
        });
    }

    @Override
    public final Uni<Integer> abortUploads(String prefix) {
        return checked(() -> abortUploadsChecked(keys.checkKeyOrFolder(prefix)));
    }

    @Override
    public final Uni<Void> copy(String sourceKey, String targetKey) {
        return checked(() -> copyChecked(keys.check(sourceKey), keys.check(targetKey)));
    }

    @Override
    public final Uni<Void> delete(String key) {
        return checked(() -> deleteChecked(keys.check(key)));
    }

    /** The URL of a checked key, or of a folder ({@link StoreKeys#isFolder}: its URL ends in {@code /} too). */
    protected abstract String urlOf(String key);

    /** {@link #stat} of a checked key; the metadata is normalised here. */
    protected abstract Uni<Optional<StoredObject>> statChecked(String key);

    /** {@link #read} of a checked key. */
    protected abstract Multi<ByteBuffer> readChecked(String key);

    /** {@link #put} of a checked key with normalised metadata. */
    protected abstract Uni<Void> putChecked(String key, Content content, Map<String, String> metadata);

    /** {@link #beginUpload} of a checked key, a size of 0 or more and normalised metadata. */
    protected abstract Uni<MultipartUpload> beginChecked(String key, long size, Map<String, String> metadata);

    /** {@link #copy} of checked keys. */
    protected abstract Uni<Void> copyChecked(String sourceKey, String targetKey);

    /** {@link #delete} of a checked key. */
    protected abstract Uni<Void> deleteChecked(String key);

    /**
     * {@link #abortUploads} of a checked key or folder. The default does nothing and answers 0, for stores whose
     * unfinished uploads are invisible, free and expire by themselves.
     */
    protected Uni<Integer> abortUploadsChecked(String prefix) {
        return Uni.createFrom().item(0);
    }

    private static <T> Uni<T> checked(Supplier<Uni<? extends T>> call) {
        return Uni.createFrom().deferred(call);
    }
}
