package dev.hubmirror.store.s3;

import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.KEY;
import static dev.hubmirror.log.LogKeys.PARTS;
import static dev.hubmirror.log.LogKeys.STORE;
import static dev.hubmirror.log.LogKeys.UPLOAD_ID;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.store.CheckedMultipartUpload;
import dev.hubmirror.store.Part;
import dev.hubmirror.store.PartReceipt;
import dev.hubmirror.store.StoreException;
import dev.hubmirror.store.StoreLimits;
import dev.hubmirror.store.StoreMetadata;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * One S3 multipart upload. Every request is retried by {@link S3ObjectStore#send}; a failed complete aborts the
 * upload so that no parts are left behind.
 */
final class S3MultipartUpload extends CheckedMultipartUpload {

    private static final Logger LOGGER = Logger.getLogger(S3MultipartUpload.class);

    private final S3ObjectStore store;
    private final String fullKey;
    private final String uploadId;
    private final Map<String, String> metadata;

    /** @param metadata the object's metadata as the upload was begun with, normalised ({@link StoreMetadata}) */
    S3MultipartUpload(S3ObjectStore store, String key, String fullKey, String uploadId, long size,
            Map<String, String> metadata) {
        super(key, size, StoreLimits.S3);
        this.store = store;
        this.fullKey = fullKey;
        this.uploadId = uploadId;
        this.metadata = metadata;
        store.started(uploadId);
    }

    @Override
    public String id() {
        return uploadId;
    }

    @Override
    protected Uni<PartReceipt> uploadChecked(Part part) {
        int number = part.number();
        S3Call call = S3Call.of("UploadPart", store.bucket(), fullKey, uploadId, number);
        long length = part.length();
        return store.send(call, () -> store.client().uploadPart(
                b -> b.bucket(store.bucket()).key(fullKey).uploadId(uploadId).partNumber(number)
                        .contentLength(length),
                AsyncRequestBody.fromRemainingByteBuffersUnsafe(part.content().views())))
                .map(response -> new PartReceipt(number, part.offset(), length, response.eTag()));
    }

    /** Copies the inclusive byte range {@code first..last} of another object of the bucket as one part. */
    Uni<PartReceipt> copyPart(int number, String sourceFullKey, long first, long last) {
        S3Call call = S3Call.of("UploadPartCopy", store.bucket(), fullKey, uploadId, number);
        return store.send(call, () -> store.client().uploadPartCopy(
                b -> b.sourceBucket(store.bucket()).sourceKey(sourceFullKey)
                        .destinationBucket(store.bucket()).destinationKey(fullKey)
                        .uploadId(uploadId).partNumber(number).copySourceRange("bytes=" + first + "-" + last)))
                .map(response -> new PartReceipt(number, first, last - first + 1, response.copyPartResult().eTag()));
    }

    /** A completion the contract refused aborts the upload, so that no parts are left behind. */
    @Override
    protected Uni<Void> refused(StoreException refusal) {
        return abortQuietly().chain(() -> Uni.createFrom().failure(refusal));
    }

    @Override
    protected Uni<Void> completeChecked(List<PartReceipt> sorted) {
        S3Call call = S3Call.of("CompleteMultipartUpload", store.bucket(), fullKey, uploadId, 0);
        if (sorted.isEmpty()) {
            return refused(new StoreException(Reason.STORE_ERROR, call.describe()
                    + " refused: no parts were uploaded (S3 completes no upload without one)", null));
        }
        List<CompletedPart> parts = sorted.stream()
                .map(r -> CompletedPart.builder().partNumber(r.number()).eTag(r.etag()).build())
                .toList();
        CompletedMultipartUpload completed = CompletedMultipartUpload.builder().parts(parts).build();
        return Uni.createFrom().deferred(() -> {
            AtomicInteger attempt = new AtomicInteger();
            return store.send(call, () -> {
                CompletableFuture<CompleteMultipartUploadResponse> sent = store.client().completeMultipartUpload(
                        b -> b.bucket(store.bucket()).key(fullKey).uploadId(uploadId).multipartUpload(completed));
                boolean retry = attempt.incrementAndGet() > 1;
                // an answer that could not be read may come after the upload was completed; and an earlier attempt
                // may have completed it before its answer was lost: the object in place, with its size, says so
                return sent.exceptionallyCompose(e -> S3Call.isUnreadableAnswer(e) || retry && S3Call.isNoSuchUpload(e)
                        ? completedEarlier(e) : CompletableFuture.failedFuture(e));
            });
        })
                .onFailure().call(this::abortQuietly)
                .invoke(() -> store.finished(uploadId))
                .invoke(() -> LOGGER.debugf("multipart upload completed" + STORE + KEY + UPLOAD_ID + PARTS, "s3", key(),
                        uploadId, parts.size()))
                .replaceWithVoid();
    }

    /**
     * Succeeds when the object is in place with the upload's size and metadata (which names the file's hash), else
     * fails with {@code answer}: an object left under the key by an earlier run is not taken for this upload's.
     */
    private CompletableFuture<CompleteMultipartUploadResponse> completedEarlier(Throwable answer) {
        return store.client().headObject(b -> b.bucket(store.bucket()).key(fullKey))
                .handle((head, failure) -> {
                    if (failure == null && head.contentLength() == size()
                            && StoreMetadata.normalise(head.metadata()).equals(metadata)) {
                        return (CompleteMultipartUploadResponse) null;
                    }
                    throw new CompletionException(answer);
                });
    }

    @Override
    protected Uni<Void> abortChecked() {
        S3Call call = S3Call.of("AbortMultipartUpload", store.bucket(), fullKey, uploadId, 0);
        return store.send(call, () -> store.client().abortMultipartUpload(
                b -> b.bucket(store.bucket()).key(fullKey).uploadId(uploadId)))
                .replaceWithVoid()
                .onFailure(S3Call::isNotFound).recoverWithNull()
                .onTermination().invoke(() -> store.finished(uploadId))
                .invoke(() -> LOGGER.debugf("multipart upload aborted" + STORE + KEY + UPLOAD_ID, "s3", key(),
                        uploadId));
    }

    /** Aborts, logging instead of failing: used on a failure path where the first failure is the one to report. */
    private Uni<Void> abortQuietly() {
        return abort().onFailure().recoverWithUni(e -> {
            LOGGER.warnf("abort of failed multipart upload failed" + STORE + KEY + UPLOAD_ID + ERROR, "s3", key(),
                    uploadId, e.getMessage());
            return Uni.createFrom().voidItem();
        });
    }
}
