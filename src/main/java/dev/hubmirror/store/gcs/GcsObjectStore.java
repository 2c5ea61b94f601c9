package dev.hubmirror.store.gcs;

import static dev.hubmirror.log.LogKeys.KEY;
import static dev.hubmirror.log.LogKeys.STORE;

import com.google.cloud.WriteChannel;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.HttpStorageOptions;
import com.google.cloud.storage.Storage;
import dev.hubmirror.config.StoreConfig;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.http.ProxySettings;
import dev.hubmirror.store.AbstractObjectStore;
import dev.hubmirror.store.BlockingPool;
import dev.hubmirror.store.Content;
import dev.hubmirror.store.MultipartUpload;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.StoreException;
import dev.hubmirror.store.StoreKeys;
import dev.hubmirror.store.StoreLimits;
import dev.hubmirror.store.StoreLocation;
import dev.hubmirror.store.StoreMetadata;
import dev.hubmirror.store.StoreSettings;
import dev.hubmirror.store.StoredObject;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jboss.logging.Logger;
import dev.hubmirror.log.LogKeys;

/**
 * An {@link ObjectStore} over a Google Cloud Storage bucket ({@code gs://bucket/prefix}), with the Google Cloud
 * Storage Java client over its JSON API. The client is blocking, so every call runs on a named, bounded Vert.x worker
 * pool ({@value #POOL_NAME}), never on an event loop; all methods are lazy and re-subscribable.
 *
 * <p><b>Uploads.</b> {@link #beginUpload} opens a resumable-upload session ({@code Storage.writer}) whose requests
 * carry {@code chunkSize} bytes, a multiple of 256 KiB. A session is one sequential byte stream, so
 * {@link #orderedParts()} is true: parts may arrive in any order and concurrently, and each is written when all bytes
 * before it are (see {@link GcsUpload}). A request that fails (5xx, 429, a cut connection) is retried by the client,
 * which first asks the session how many bytes it holds and resends from there, not from the start of the file.
 *
 * <p><b>Verification before visibility.</b> GCS creates the object only when the request that carries the total size
 * arrives; the client sends it only when the channel is closed, and the channel's buffer keeps the tail of the file
 * until then. Only {@link MultipartUpload#complete} closes the channel. {@link MultipartUpload#abort}, which the
 * transfer engine calls when a hash does not match, never closes it: it cancels the session ({@code DELETE} on the
 * session URI, see {@link ResumableSessions}), so the bytes are discarded and no object, not even an empty one,
 * appears. A session that expired or was cancelled fails the upload with a retriable error that tells the engine to
 * restart the file.
 *
 * <p><b>Other calls.</b> {@link #stat} reads the object's metadata ({@code storage.get}); {@link #put} is a single
 * request; {@link #copy} is a server-side rewrite of the source's current generation, with its metadata; {@link #delete} of a missing
 * object succeeds. Metadata keys are stored lower-case. Credentials come from Application Default Credentials
 * (Workload Identity on GKE, {@code GOOGLE_APPLICATION_CREDENTIALS} elsewhere) unless {@code anonymous} is set.
 *
 * <p><b>Memory.</b> Besides the parts the caller holds, each upload in flight holds one chunk buffer.
 */
public final class GcsObjectStore extends AbstractObjectStore implements AutoCloseable {

    /** Name of the worker pool that runs the blocking client. */
    public static final String POOL_NAME = "hub-mirror-gcs";

    /** Resumable-upload requests carry a multiple of this many bytes. */
    public static final int CHUNK_GRANULARITY = 256 * 1024;

    /** No part minimum and, as on S3, at most 10,000 parts of up to 5 GiB (GCS objects may reach 5 TiB). */
    public static final StoreLimits LIMITS = new StoreLimits(1, StoreLimits.S3.maxPartSize(), StoreLimits.S3.maxParts());

    static final String CONTENT_TYPE = "application/octet-stream";

    private static final Logger LOGGER = Logger.getLogger(GcsObjectStore.class);
    /** Bytes per read request when streaming an object back (verification). */
    static final int READ_CHUNK = 1024 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** GCS's longest object name, in UTF-8 bytes. */
    private static final int MAX_NAME_BYTES = 1024;

    private final StoreLocation location;
    private final Storage storage;
    private final ResumableSessions sessions;
    private final BlockingPool workers;
    private final int chunkSize;

    /**
     * A store configured from {@code mirror.store.gcs.*}. Blocking: resolving Application Default Credentials may read
     * files and ask the metadata server, so build it at start-up, never on an event loop.
     */
    public GcsObjectStore(StoreLocation location, StoreConfig.Gcs config, Vertx vertx) {
        this(location, config, vertx, ProxySettings.NONE);
    }

    /** A store built from the shared store settings ({@code mirror.store.gcs.*}, Vert.x, the proxy). */
    public GcsObjectStore(StoreLocation location, StoreSettings settings) {
        this(location, settings.config().gcs(), settings.vertx(), settings.proxy());
    }

    /**
     * A store configured from {@code mirror.store.gcs.*} whose requests go through the forward proxy that
     * {@code proxy} names for the GCS endpoint (none when it is in {@code NO_PROXY}). The Google client connects
     * through a proxy without credentials only; one that needs them is refused here, naming what to do.
     *
     * @throws IllegalArgumentException when the proxy for GCS needs credentials
     */
    public GcsObjectStore(StoreLocation location, StoreConfig.Gcs config, Vertx vertx, ProxySettings proxy) {
        this(location, GcsClients.options(config), GcsClients.proxyFor(config, proxy), vertx, config.workers(),
                GcsClients.chunkSize(config));
    }

    /** A store over a client built from {@code options}; its transport options are replaced to track sessions. */
    GcsObjectStore(StoreLocation location, HttpStorageOptions.Builder options, Vertx vertx, int workers, int chunkSize) {
        this(location, options, Optional.empty(), vertx, workers, chunkSize);
    }

    private GcsObjectStore(StoreLocation location, HttpStorageOptions.Builder options, Optional<java.net.Proxy> proxy,
            Vertx vertx, int workers, int chunkSize) {
        this(location, GcsClients.sessionTracking(options, proxy), vertx, workers, chunkSize);
    }

    private GcsObjectStore(StoreLocation location, GcsClients.Tracked tracked, Vertx vertx, int workers, int chunkSize) {
        this(location, tracked.storage(), tracked.sessions(), vertx, workers, chunkSize);
    }

    /** A store over a ready client (tests with an in-memory client); aborted sessions are left to expire. */
    GcsObjectStore(StoreLocation location, Storage storage, Vertx vertx, int workers, int chunkSize) {
        this(location, storage, new ResumableSessions(), vertx, workers, chunkSize);
    }

    private GcsObjectStore(StoreLocation location, Storage storage, ResumableSessions sessions, Vertx vertx,
            int workers, int chunkSize) {
        super(StoreKeys.under(location.prefix(), MAX_NAME_BYTES));
        if (!"gs".equals(location.scheme())) {
            throw new IllegalArgumentException("GcsObjectStore needs a gs:// location, got scheme '"
                    + location.scheme() + "'");
        }
        if (chunkSize <= 0 || chunkSize % CHUNK_GRANULARITY != 0) {
            throw new IllegalArgumentException("mirror.store.gcs.chunk-size must be a positive multiple of 256 KiB, got "
                    + chunkSize + " bytes");
        }
        this.location = location;
        this.storage = storage;
        this.sessions = sessions;
        this.chunkSize = chunkSize;
        this.workers = new BlockingPool(vertx, POOL_NAME, workers, "mirror.store.gcs.workers");
    }

    @Override
    public String kind() {
        return "gcs";
    }

    @Override
    protected String urlOf(String key) {
        // a key ending in '/' (or empty) names a folder, e.g. a snapshot: its URL ends in '/' too
        if (key.isEmpty()) {
            return "gs://" + location.bucket() + "/" + (location.prefix().isEmpty() ? "" : location.prefix() + "/");
        }
        return "gs://" + location.bucket() + "/" + keys().fullKey(key);
    }

    @Override
    public StoreLimits limits() {
        return LIMITS;
    }

    @Override
    public boolean orderedParts() {
        return true;
    }

    @Override
    protected Uni<Optional<StoredObject>> statChecked(String key) {
        return blocking("stat", key, () -> {
            Blob blob = storage.get(blobId(key));
            if (blob == null) {
                return Optional.empty();
            }
            Long size = blob.getSize();
            return Optional.of(new StoredObject(key, size == null ? 0 : size,
                    blob.getMetadata() == null ? Map.of() : blob.getMetadata()));
        });
    }

    /**
     * Streams the object with back-pressure: each requested chunk is one positioned read of {@link #READ_CHUNK}
     * bytes on the worker pool (the reader is reopened per chunk, so no channel is held between requests).
     */
    @Override
    protected Multi<ByteBuffer> readChecked(String key) {
        // the object's size bounds every read: a reader is not trusted to stop at the end by itself
        return stat(key).onItem().transformToMulti(found -> {
            long size = found.orElseThrow(() -> new StoreException(Reason.STORE_ERROR, false,
                    "cannot read " + url(key) + ": no such object", null)).size();
            return workers.readChunks(position -> {
                int want = (int) Math.min(READ_CHUNK, size - position);
                ByteBuffer chunk = ByteBuffer.allocate(want);
                if (want > 0) {
                    try (com.google.cloud.ReadChannel reader = storage.reader(blobId(key))) {
                        reader.seek(position);
                        reader.limit(position + want);
                        while (chunk.hasRemaining() && reader.read(chunk) >= 0) {
                            // fill the chunk or reach the end of the object
                        }
                    }
                }
                return chunk.flip();
            }, e -> translate("read", key, e, false));
        });
    }

    @Override
    protected Uni<Void> putChecked(String key, Content content, Map<String, String> metadata) {
        return blocking("put", key, () -> {
            // the client takes an array: one heap copy of the object, counted by writeOverhead
            storage.create(blobInfo(key, metadata), content.toArray());
            return null;
        });
    }

    /**
     * A multipart upload holds one chunk buffer of {@code mirror.store.gcs.chunk-size} in the client; a single PUT
     * copies the object into one heap array, because the client takes arrays only.
     */
    @Override
    public long writeOverhead(long size, boolean multipart) {
        return multipart ? chunkSize : size;
    }

    @Override
    protected Uni<MultipartUpload> beginChecked(String key, long size, Map<String, String> metadata) {
        return blocking("beginUpload", key, () -> {
            BlobInfo info = blobInfo(key, metadata);
            ResumableSessions.Opened<WriteChannel> opened = sessions.open(() -> storage.writer(info));
            WriteChannel channel = opened.value();
            channel.setChunkSize(chunkSize);
            String id = "gcs-" + randomHex();
            LOGGER.debugf("upload begun" + STORE + KEY + LogKeys.UPLOAD_ID, "gcs", key, id);
            return new GcsUpload(this, key, id, size, channel, opened.sessionUri());
        });
    }

    @Override
    protected Uni<Void> copyChecked(String sourceKey, String targetKey) {
        return blocking("copy", targetKey, () -> {
            BlobId source = blobId(sourceKey);
            Blob blob = storage.get(source);
            if (blob == null) {
                throw new StoreException(Reason.STORE_ERROR, false, "cannot copy store key '" + sourceKey + "' to '"
                        + targetKey + "' in bucket " + location.bucket() + ": the source does not exist", null);
            }
            // the target's metadata is set explicitly, from the very generation that is copied
            BlobInfo target = BlobInfo.newBuilder(blobId(targetKey))
                    .setContentType(CONTENT_TYPE)
                    .setMetadata(StoreMetadata.normalise(blob.getMetadata()))
                    .build();
            Storage.CopyRequest.Builder request = Storage.CopyRequest.newBuilder().setSource(source).setTarget(target);
            if (blob.getGeneration() != null) {
                request.setSourceOptions(Storage.BlobSourceOption.generationMatch(blob.getGeneration()));
            }
            storage.copy(request.build()).getResult();
            return null;
        });
    }

    @Override
    protected Uni<Void> deleteChecked(String key) {
        return blocking("delete", key, () -> {
            storage.delete(blobId(key));
            return null;
        });
    }

    @Override
    public Uni<Void> probe() {
        String key = ".hub-mirror/probe-" + randomHex();
        return blocking("probe", key, () -> {
            storage.create(blobInfo(key, Map.of()), "probe".getBytes(StandardCharsets.US_ASCII));
            storage.delete(blobId(key));
            return null;
        });
    }

    /** Releases this store's share of the worker pool. */
    @Override
    public void close() {
        workers.close();
    }

    /** Cancels an upload's session, if its URI is known (blocking; worker threads only). */
    void cancelSession(String sessionUri, String key) {
        sessions.cancel(sessionUri, key);
    }

    private BlobInfo blobInfo(String key, Map<String, String> metadata) {
        return BlobInfo.newBuilder(blobId(key))
                .setContentType(CONTENT_TYPE)
                .setMetadata(metadata)
                .build();
    }

    private BlobId blobId(String key) {
        return BlobId.of(location.bucket(), keys().fullKey(key));
    }

    private static String randomHex() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** Runs a blocking client call on the worker pool, translating failures; lazy and re-subscribable. */
    <T> Uni<T> blocking(String operation, String key, Callable<T> work) {
        return workers.run(work, e -> translate(operation, key, e, false));
    }

    /** A client failure as a {@link StoreException} ({@link GcsFailures#translate}). */
    StoreException translate(String operation, String key, Throwable e, boolean inSession) {
        return GcsFailures.translate(operation, key, location.bucket(), e, inSession);
    }
}
