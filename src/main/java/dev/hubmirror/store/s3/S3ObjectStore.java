package dev.hubmirror.store.s3;

import static dev.hubmirror.log.LogKeys.INITIATED;
import static dev.hubmirror.log.LogKeys.KEY;
import static dev.hubmirror.log.LogKeys.OBJECT;
import static dev.hubmirror.log.LogKeys.PARTS;
import static dev.hubmirror.log.LogKeys.STORE;
import static dev.hubmirror.log.LogKeys.UPLOAD_ID;

import dev.hubmirror.config.StoreConfig;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.failure.RetrySettings;
import dev.hubmirror.http.ProxySettings;
import dev.hubmirror.store.AbstractObjectStore;
import dev.hubmirror.store.Content;
import dev.hubmirror.store.MultipartUpload;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.PartPlan;
import dev.hubmirror.store.StoreException;
import dev.hubmirror.store.StoreKeys;
import dev.hubmirror.store.StoreLimits;
import dev.hubmirror.store.StoreLocation;
import dev.hubmirror.store.StoreMetadata;
import dev.hubmirror.store.StoreObserver;
import dev.hubmirror.store.StoreSettings;
import dev.hubmirror.store.StoredObject;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import mutiny.zero.flow.adapters.AdaptersToFlow;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;

/**
 * The {@link ObjectStore} on AWS S3 or an S3-compatible server (MinIO, Ceph, s3proxy), through the AWS SDK v2
 * {@link S3AsyncClient} on the Netty client. Keys live under {@code s3://bucket/prefix}.
 *
 * <p>This class owns the retries: the SDK's own retry strategy is switched off in clients it builds, and every
 * request is re-sent from a lazy {@link Uni} with exponential back-off while it fails with a retriable
 * {@link StoreException} ({@link Reason#STORE_UNAVAILABLE}: 5xx, SlowDown, connection failures and time-outs), at
 * most as often as {@link Tuning#retry()} allows, with its jittered exponential waits. Parts are re-sent from the caller's buffer without copying it.
 */
public final class S3ObjectStore extends AbstractObjectStore implements AutoCloseable {

    private static final Logger LOGGER = Logger.getLogger(S3ObjectStore.class);

    /** The key, under the prefix, that {@link #probe()} writes and deletes. */
    public static final String PROBE_KEY = ".hub-mirror-probe";

    /** Most pages of ListMultipartUploads that {@link #abortUploads} reads in one call. */
    static final int MAX_UPLOAD_PAGES = 10;

    /** S3's longest object key, in UTF-8 bytes. */
    static final int MAX_KEY_BYTES = 1024;

    /** The largest object one CopyObject request can copy on S3. */
    public static final long MAX_COPY_OBJECT_SIZE = 5L * 1024 * 1024 * 1024;

    private final StoreLocation location;
    private final S3AsyncClient client;
    private final boolean ownsClient;
    private final Tuning tuning;
    private final S3Requests requests;
    /** Ids of the multipart uploads this instance began and has not completed or aborted yet. */
    private final Set<String> running = ConcurrentHashMap.newKeySet();

    /**
     * How this store retries and copies.
     *
     * @param retry how each S3 request is tried again after a retriable failure
     * @param copyThreshold sources larger than this are copied with UploadPartCopy instead of one CopyObject
     *     (at most {@link #MAX_COPY_OBJECT_SIZE})
     * @param copyPartSize the range size of one UploadPartCopy (raised when the source would need more than 10,000)
     * @param copyConcurrency UploadPartCopy requests in flight for one copy
     */
    public record Tuning(RetrySettings retry, long copyThreshold, long copyPartSize, int copyConcurrency) {

        /** Validates the values. */
        public Tuning {
            if (copyThreshold < 0 || copyThreshold > MAX_COPY_OBJECT_SIZE) {
                throw new IllegalArgumentException("copyThreshold must be within 0.." + MAX_COPY_OBJECT_SIZE);
            }
            if (copyPartSize < StoreLimits.S3.minPartSize() || copyPartSize > StoreLimits.S3.maxPartSize()) {
                throw new IllegalArgumentException("copyPartSize must be within " + StoreLimits.S3.minPartSize()
                        + ".." + StoreLimits.S3.maxPartSize() + ", was " + copyPartSize);
            }
            if (copyConcurrency < 1) {
                throw new IllegalArgumentException("copyConcurrency must be at least 1, was " + copyConcurrency);
            }
        }

        /** The retries of {@code mirror.store.s3.*}, and the copy defaults. */
        public static Tuning from(StoreConfig.S3 config) {
            return new Tuning(new RetrySettings(config.maxAttempts(), config.initialBackoff(), config.maxBackoff(),
                    config.retryJitter()), MAX_COPY_OBJECT_SIZE, 512L * 1024 * 1024, 4);
        }

        /** The same tuning with other waits between attempts (same attempts and jitter). */
        public Tuning withBackoff(Duration initial, Duration max) {
            return withRetry(new RetrySettings(retry.maxAttempts(), initial, max, retry.jitter()));
        }

        /** The same tuning with other retries. */
        public Tuning withRetry(RetrySettings other) {
            return new Tuning(other, copyThreshold, copyPartSize, copyConcurrency);
        }

        /** The same tuning with another multipart-copy threshold and range size. */
        public Tuning withCopy(long threshold, long partSize) {
            return new Tuning(retry, threshold, partSize, copyConcurrency);
        }
    }

    /**
     * A store with its own client built from the configuration (see {@link S3Clients#build}); {@link #close()} closes
     * it.
     */
    public S3ObjectStore(StoreLocation location, StoreConfig.S3 config) {
        this(location, config, Tuning.from(config));
    }

    /** A store with its own client built from the configuration, reporting its retries to {@code observer}. */
    public S3ObjectStore(StoreLocation location, StoreConfig.S3 config, StoreObserver observer) {
        this(location, config, ProxySettings.NONE, observer);
    }

    /** A store built from the shared store settings ({@code mirror.store.s3.*}, the proxy, the retry observer). */
    public S3ObjectStore(StoreLocation location, StoreSettings settings) {
        this(location, settings.config().s3(), settings.proxy(), settings.observer());
    }

    /** A store with its own client built from the configuration, through {@code proxy} where it applies. */
    public S3ObjectStore(StoreLocation location, StoreConfig.S3 config, ProxySettings proxy, StoreObserver observer) {
        this(location, S3Clients.build(config, proxy), true, Tuning.from(config), observer);
    }

    /** A store with its own client built from the configuration, and the given tuning. */
    public S3ObjectStore(StoreLocation location, StoreConfig.S3 config, Tuning tuning) {
        this(location, S3Clients.build(config), true, tuning, StoreObserver.NONE);
    }

    /** A store on a client owned by the caller (not closed by {@link #close()}). */
    public S3ObjectStore(StoreLocation location, S3AsyncClient client, Tuning tuning) {
        this(location, client, false, tuning, StoreObserver.NONE);
    }

    /** A store on a client owned by the caller, reporting its retries to {@code observer}. */
    public S3ObjectStore(StoreLocation location, S3AsyncClient client, Tuning tuning, StoreObserver observer) {
        this(location, client, false, tuning, observer);
    }

    private S3ObjectStore(StoreLocation location, S3AsyncClient client, boolean ownsClient, Tuning tuning,
            StoreObserver observer) {
        super(StoreKeys.under(location.prefix(), MAX_KEY_BYTES));
        if (!"s3".equals(location.scheme())) {
            throw new IllegalArgumentException("S3ObjectStore needs an s3://bucket/prefix location, got scheme '"
                    + location.scheme() + "'");
        }
        this.location = location;
        this.client = client;
        this.ownsClient = ownsClient;
        this.tuning = tuning;
        this.requests = new S3Requests(tuning.retry(), observer);
    }

    @Override
    public String kind() {
        return "s3";
    }

    @Override
    protected String urlOf(String key) {
        return "s3://" + location.bucket() + "/" + location.fullKey(key);
    }

    @Override
    public StoreLimits limits() {
        return StoreLimits.S3;
    }

    @Override
    protected Uni<Optional<StoredObject>> statChecked(String key) {
        String fullKey = location.fullKey(key);
        S3Call call = S3Call.of("HeadObject", bucket(), fullKey);
        return send(call, () -> client.headObject(b -> b.bucket(bucket()).key(fullKey)))
                .map(head -> Optional.of(new StoredObject(key, head.contentLength(), head.metadata())))
                .onFailure(S3Call::isNotFound).recoverWithItem(Optional.empty());
    }

    @Override
    protected Multi<ByteBuffer> readChecked(String key) {
        String fullKey = location.fullKey(key);
        S3Call call = S3Call.of("GetObject", bucket(), fullKey);
        return send(call, () -> client.getObject(b -> b.bucket(bucket()).key(fullKey),
                AsyncResponseTransformer.toPublisher()))
                .onItem().transformToMulti(body -> Multi.createFrom().publisher(AdaptersToFlow.publisher(body)))
                .onFailure().transform(e -> e instanceof StoreException ? e : call.translate(e));
    }

    @Override
    protected Uni<Void> putChecked(String key, Content content, Map<String, String> metadata) {
        String fullKey = location.fullKey(key);
        S3Call call = S3Call.of("PutObject", bucket(), fullKey);
        long length = content.length();
        return send(call, () -> client.putObject(
                b -> b.bucket(bucket()).key(fullKey).contentLength(length).metadata(metadata),
                AsyncRequestBody.fromRemainingByteBuffersUnsafe(content.views())))
                .replaceWithVoid();
    }

    @Override
    protected Uni<MultipartUpload> beginChecked(String key, long size, Map<String, String> metadata) {
        String fullKey = location.fullKey(key);
        S3Call call = S3Call.of("CreateMultipartUpload", bucket(), fullKey);
        return send(call, () -> client.createMultipartUpload(b -> b.bucket(bucket()).key(fullKey).metadata(metadata)))
                .map(created -> {
                    LOGGER.debugf("multipart upload started" + STORE + KEY + UPLOAD_ID, "s3", fullKey,
                            created.uploadId());
                    return new S3MultipartUpload(this, key, fullKey, created.uploadId(), size, metadata);
                });
    }

    /**
     * Lists the multipart uploads under the prefix (ListMultipartUploads, every page) and aborts those this instance
     * is not running (AbortMultipartUpload); needs {@code s3:ListBucketMultipartUploads} on the bucket. Started by a
     * crashed process, they would otherwise hold their parts (and cost) until the bucket's lifecycle rule removes
     * them.
     */
    @Override
    protected Uni<Integer> abortUploadsChecked(String prefix) {
        String fullPrefix = location.fullKey(prefix);
        boolean folder = prefix.isEmpty() || prefix.endsWith("/");
        return listUploads(fullPrefix, null, null, new ArrayList<>(), 0)
                .map(found -> found.stream()
                        .filter(u -> folder ? u.key().startsWith(fullPrefix) : u.key().equals(fullPrefix))
                        .filter(u -> !running.contains(u.uploadId()))
                        .toList())
                .chain(orphans -> Multi.createFrom().iterable(orphans)
                        .onItem().transformToUniAndConcatenate(u -> {
                            S3Call call = S3Call.of("AbortMultipartUpload", bucket(), u.key(), u.uploadId(), 0);
                            return send(call, () -> client.abortMultipartUpload(
                                    b -> b.bucket(bucket()).key(u.key()).uploadId(u.uploadId())))
                                    .replaceWith(1)
                                    .onFailure(S3Call::isNotFound).recoverWithItem(0)
                                    .invoke(n -> {
                                        if (n > 0) {
                                            LOGGER.infof("orphaned upload aborted" + STORE + OBJECT
                                                    + UPLOAD_ID + INITIATED, "s3", u.key(), u.uploadId(),
                                                    u.initiated());
                                        }
                                    });
                        })
                        .collect().with(Collectors.summingInt(Integer::intValue)));
    }

    /**
     * The uploads under a prefix, page after page, at most {@link #MAX_UPLOAD_PAGES} pages (of up to 1,000 each): a
     * snapshot holds far fewer; more are left to the next run and to the bucket's lifecycle rule.
     */
    private Uni<List<software.amazon.awssdk.services.s3.model.MultipartUpload>> listUploads(String fullPrefix,
            String keyMarker, String uploadIdMarker, List<software.amazon.awssdk.services.s3.model.MultipartUpload> acc,
            int page) {
        S3Call call = S3Call.of("ListMultipartUploads", bucket(), fullPrefix);
        return send(call, () -> client.listMultipartUploads(b -> b.bucket(bucket()).prefix(fullPrefix)
                .keyMarker(keyMarker).uploadIdMarker(uploadIdMarker)))
                .chain((ListMultipartUploadsResponse answer) -> {
                    acc.addAll(answer.uploads());
                    boolean more = Boolean.TRUE.equals(answer.isTruncated()) && answer.nextKeyMarker() != null
                            && !answer.uploads().isEmpty() && page + 1 < MAX_UPLOAD_PAGES;
                    return more ? listUploads(fullPrefix, answer.nextKeyMarker(), answer.nextUploadIdMarker(), acc,
                            page + 1) : Uni.createFrom().item(acc);
                });
    }

    /** Notes an upload this instance began (so {@link #abortUploads} leaves it alone). */
    void started(String uploadId) {
        running.add(uploadId);
    }

    /** Notes that an upload this instance began was completed or aborted. */
    void finished(String uploadId) {
        running.remove(uploadId);
    }

    @Override
    protected Uni<Void> copyChecked(String sourceKey, String targetKey) {
        String source = location.fullKey(sourceKey);
        String target = location.fullKey(targetKey);
        S3Call head = S3Call.of("HeadObject", bucket(), source);
        return send(head, () -> client.headObject(b -> b.bucket(bucket()).key(source)))
                .onFailure(S3Call::isNotFound).transform(e -> new StoreException(Reason.STORE_ERROR,
                        "copy of s3://" + bucket() + "/" + source + " to s3://" + bucket() + "/" + target
                                + " failed: the source does not exist",
                        e))
                .chain(sourceHead -> sourceHead.contentLength() <= tuning.copyThreshold()
                        ? copyObject(source, target)
                        : copyInParts(source, targetKey, sourceHead));
    }

    private Uni<Void> copyObject(String source, String target) {
        S3Call call = S3Call.of("CopyObject", bucket(), target);
        return send(call, () -> client.copyObject(b -> b.sourceBucket(bucket()).sourceKey(source)
                .destinationBucket(bucket()).destinationKey(target)
                .metadataDirective(MetadataDirective.COPY)))
                .replaceWithVoid();
    }

    private Uni<Void> copyInParts(String source, String targetKey, HeadObjectResponse sourceHead) {
        String target = location.fullKey(targetKey);
        long size = sourceHead.contentLength();
        PartPlan plan = PartPlan.inParts(size, tuning.copyPartSize(), StoreLimits.S3);
        int parts = plan.partCount();
        S3Call create = S3Call.of("CreateMultipartUpload", bucket(), target);
        return send(create, () -> client.createMultipartUpload(b -> b.bucket(bucket()).key(target)
                .metadata(sourceHead.metadata()).contentType(sourceHead.contentType())))
                .chain(created -> {
                    S3MultipartUpload upload = new S3MultipartUpload(this, targetKey, target, created.uploadId(), size,
                            StoreMetadata.normalise(sourceHead.metadata()));
                    LOGGER.debugf("multipart copy started" + STORE + KEY + UPLOAD_ID + PARTS, "s3", targetKey,
                            created.uploadId(), parts);
                    return Multi.createFrom().range(1, parts + 1)
                            .onItem().transformToUni(n -> upload.copyPart(n, source, plan.offset(n - 1),
                                    plan.offset(n - 1) + plan.length(n - 1) - 1))
                            .merge(tuning.copyConcurrency())
                            .collect().asList()
                            .onFailure().call(e -> upload.abort().onFailure().recoverWithNull())
                            .onCancellation().call(upload::abort)
                            .chain(upload::complete);
                });
    }

    @Override
    protected Uni<Void> deleteChecked(String key) {
        String fullKey = location.fullKey(key);
        S3Call call = S3Call.of("DeleteObject", bucket(), fullKey);
        return send(call, () -> client.deleteObject(b -> b.bucket(bucket()).key(fullKey)))
                .replaceWithVoid()
                .onFailure(S3Call::isNotFound).recoverWithNull();
    }

    @Override
    public Uni<Void> probe() {
        ByteBuffer content = ByteBuffer.wrap("hub-mirror write probe\n".getBytes(StandardCharsets.UTF_8))
                .asReadOnlyBuffer();
        return put(PROBE_KEY, content, Map.of()).chain(() -> delete(PROBE_KEY));
    }

    /** Closes the client when this store built it. */
    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }

    S3AsyncClient client() {
        return client;
    }

    String bucket() {
        return location.bucket();
    }

    /** Sends a request with this store's retries ({@link S3Requests#send}). */
    <T> Uni<T> send(S3Call call, Supplier<CompletableFuture<T>> request) {
        return requests.send(call, request);
    }
}
