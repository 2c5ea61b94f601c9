package dev.hubmirror.store.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hubmirror.failure.RetrySettings;
import dev.hubmirror.config.StoreConfig;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.store.MultipartUpload;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.ObjectStoreContract;
import dev.hubmirror.store.Part;
import dev.hubmirror.store.PartReceipt;
import dev.hubmirror.store.StoreException;
import dev.hubmirror.store.StoreLimits;
import dev.hubmirror.store.StoreLocation;
import dev.hubmirror.store.StoredObject;
import dev.hubmirror.testing.FaultyS3Proxy;
import dev.hubmirror.testing.ResettingServer;
import dev.hubmirror.testing.S3ProxyServer;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.mutiny.Uni;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * {@link S3ObjectStore} against a real S3 server (s3proxy on loopback) through the real SDK, with faults injected by a
 * proxy in the request path. One server and one proxy serve all tests; each test writes under its own prefix.
 */
class S3ObjectStoreTest extends ObjectStoreContract {

    private static final String BUCKET = "mirror";
    private static final int MIB = 1024 * 1024;
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private static S3ProxyServer s3;
    private static FaultyS3Proxy proxy;

    @BeforeAll
    static void startS3() {
        s3 = S3ProxyServer.start();
        proxy = FaultyS3Proxy.start(s3.endpoint());
        s3.createBucket(BUCKET);
        // the stores under test find their credentials through the SDK's default chain, as in production
        s3.setCredentialSystemProperties();
    }

    /** The store the contract's tests use: the shared client, a fresh prefix. */
    private S3ObjectStore contractStore;
    private String contractPrefix;

    @BeforeEach
    void letRequestsPass() {
        proxy.reset();
        contractPrefix = newPrefix();
        contractStore = new S3ObjectStore(StoreLocation.parse("s3://" + BUCKET + "/" + contractPrefix), s3.client(),
                tuning(3));
    }

    @Override
    protected ObjectStore store() {
        return contractStore;
    }

    @Override
    protected Optional<byte[]> stored(String key) {
        String fullKey = contractPrefix + "/" + key;
        return s3.keys(BUCKET, fullKey).contains(fullKey) ? Optional.of(s3.objectBytes(BUCKET, fullKey))
                : Optional.empty();
    }

    @Override
    protected List<String> storedKeys() {
        return s3.keys(BUCKET, contractPrefix + "/");
    }

    @AfterAll
    static void stopS3() {
        if (proxy != null) {
            proxy.close();
        }
        if (s3 != null) {
            s3.clearCredentialSystemProperties();
            s3.close();
        }
    }

    @Test
    void putThenStatReturnsSizeAndLowerCaseMetadata() {
        // Given
        String prefix = newPrefix();
        try (S3ObjectStore store = store(prefix, s3.endpoint())) {
            byte[] content = bytes(1000, 1);

            // When
            await(store.put("snapshots/abc/config.json", ByteBuffer.wrap(content),
                    Map.of("Sha256", "abc123", "revision", "main")));
            Optional<StoredObject> stat = await(store.stat("snapshots/abc/config.json"));

            // Then
            assertThat(stat).contains(new StoredObject("snapshots/abc/config.json", 1000,
                    Map.of("sha256", "abc123", "revision", "main")));
            assertThat(s3.objectBytes(BUCKET, prefix + "/snapshots/abc/config.json")).isEqualTo(content);
        }
    }



    @Test
    void namesKindUrlAndLimits() {
        // Given
        try (S3ObjectStore store = store("weights/hub", s3.endpoint())) {

            // When / Then
            assertThat(store.kind()).isEqualTo("s3");
            assertThat(store.url("models--a--b/refs/main")).isEqualTo("s3://mirror/weights/hub/models--a--b/refs/main");
            assertThat(store.limits()).isEqualTo(StoreLimits.S3);
        }
    }

    @Test
    void multipartWithThreePartsUploadedConcurrentlyOutOfOrderHasAllBytesAndMetadata() {
        // Given
        String prefix = newPrefix();
        byte[] content = bytes(11 * MIB + 17, 2);
        try (S3ObjectStore store = store(prefix, s3.endpoint())) {
            MultipartUpload upload = await(store.beginUpload("blobs/big.safetensors", content.length,
                    Map.of("sha256", "feed")));
            List<Part> parts = parts(content, 5 * MIB);

            // When
            List<PartReceipt> receipts = await(Uni.join().all(
                    upload.uploadPart(parts.get(2)), upload.uploadPart(parts.get(0)), upload.uploadPart(parts.get(1)))
                    .andFailFast());
            await(upload.complete(receipts));

            // Then
            assertThat(receipts).extracting(PartReceipt::number).containsExactly(3, 1, 2);
            assertThat(s3.objectBytes(BUCKET, prefix + "/blobs/big.safetensors")).isEqualTo(content);
            assertThat(await(store.stat("blobs/big.safetensors")))
                    .contains(new StoredObject("blobs/big.safetensors", content.length, Map.of("sha256", "feed")));
            assertThat(s3.uploadsInProgress(BUCKET)).noneMatch(u -> u.key().startsWith(prefix));
        }
    }

    @Test
    void multipartWithExactlyOnePartHasAllBytes() {
        // Given
        String prefix = newPrefix();
        byte[] content = bytes(3 * MIB, 3);
        try (S3ObjectStore store = store(prefix, s3.endpoint())) {
            MultipartUpload upload = await(store.beginUpload("one.bin", content.length, Map.of()));

            // When
            PartReceipt receipt = await(upload.uploadPart(new Part(1, 0, ByteBuffer.wrap(content))));
            await(upload.complete(List.of(receipt)));

            // Then
            assertThat(receipt).extracting(PartReceipt::number, PartReceipt::offset, PartReceipt::length)
                    .containsExactly(1, 0L, (long) content.length);
            assertThat(s3.objectBytes(BUCKET, prefix + "/one.bin")).isEqualTo(content);
        }
    }

    @Test
    void abortLeavesNoObjectAndNoUploadAndMayBeRepeated() {
        // Given
        String prefix = newPrefix();
        byte[] content = bytes(6 * MIB, 4);
        try (S3ObjectStore store = store(prefix, s3.endpoint())) {
            MultipartUpload upload = await(store.beginUpload("aborted.bin", content.length, Map.of()));
            await(upload.uploadPart(parts(content, 5 * MIB).get(0)));

            // When
            await(upload.abort());
            await(upload.abort());

            // Then
            assertThat(await(store.stat("aborted.bin"))).isEmpty();
            assertThat(s3.uploadsInProgress(BUCKET)).noneMatch(u -> u.key().startsWith(prefix));
            assertThat(s3.keys(BUCKET, prefix)).isEmpty();
        }
    }

    @Test
    void completeThatTheStoreRefusesAbortsTheUpload() {
        // Given
        String prefix = newPrefix();
        byte[] content = bytes(MIB, 5);
        try (S3ObjectStore store = store(prefix, s3.endpoint())) {
            MultipartUpload upload = await(store.beginUpload("refused.bin", content.length, Map.of()));
            PartReceipt receipt = await(upload.uploadPart(new Part(1, 0, ByteBuffer.wrap(content))));
            PartReceipt wrongEtag = new PartReceipt(1, 0, content.length, "\"00000000000000000000000000000000\"");

            // When
            StoreException failure = failure(upload.complete(List.of(wrongEtag)));

            // Then
            assertThat(failure.reason()).isEqualTo(Reason.STORE_ERROR);
            assertThat(failure.getMessage()).contains("CompleteMultipartUpload", "s3://mirror/" + prefix + "/refused.bin",
                    upload.id());
            assertThat(await(store.stat("refused.bin"))).isEmpty();
            assertThat(s3.uploadsInProgress(BUCKET)).noneMatch(u -> u.key().startsWith(prefix));
            assertThat(receipt.etag()).isNotBlank();
        }
    }

    @Test
    void completeWithPartsThatDoNotCoverTheSizeIsRefusedAndAborts() {
        // Given
        String prefix = newPrefix();
        byte[] content = bytes(MIB, 6);
        try (S3ObjectStore store = store(prefix, s3.endpoint())) {
            MultipartUpload upload = await(store.beginUpload("short.bin", content.length + 1L, Map.of()));
            PartReceipt receipt = await(upload.uploadPart(new Part(1, 0, ByteBuffer.wrap(content))));

            // When
            StoreException failure = failure(upload.complete(List.of(receipt)));

            // Then
            assertThat(failure.reason()).isEqualTo(Reason.STORE_ERROR);
            assertThat(failure.getMessage()).contains("1048576 bytes", "1048577 bytes", upload.id());
            assertThat(await(store.stat("short.bin"))).isEmpty();
            assertThat(s3.uploadsInProgress(BUCKET)).noneMatch(u -> u.key().startsWith(prefix));
        }
    }

    @Test
    void completeThatKeepsFailingIsUnavailableAndAbortsTheUpload() {
        // Given
        String prefix = newPrefix();
        byte[] content = bytes(MIB, 15);
        try (S3ObjectStore store = store(prefix, proxy.endpoint(), 2, tuning(2))) {
            MultipartUpload upload = await(store.beginUpload("never.bin", content.length, Map.of()));
            PartReceipt receipt = await(upload.uploadPart(new Part(1, 0, ByteBuffer.wrap(content))));
            proxy.failNext(FaultyS3Proxy.Target.COMPLETE, Integer.MAX_VALUE, FaultyS3Proxy.Fault.SLOW_DOWN);

            // When
            StoreException failure = failure(upload.complete(List.of(receipt)));

            // Then
            assertThat(failure.reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
            assertThat(failure.getMessage()).contains("CompleteMultipartUpload", upload.id(), "SlowDown");
            assertThat(proxy.requests(FaultyS3Proxy.Target.COMPLETE)).isEqualTo(2);
            assertThat(await(store.stat("never.bin"))).isEmpty();
            assertThat(s3.uploadsInProgress(BUCKET)).noneMatch(u -> u.key().startsWith(prefix));
        }
    }

    @Test
    void completeWhoseAnswerWasLostIsRecognisedAsDoneWhenTheRetryFindsNoUpload() {
        // Given
        String prefix = newPrefix();
        byte[] content = bytes(MIB, 16);
        try (S3ObjectStore store = store(prefix, proxy.endpoint(), 3, tuning(3))) {
            MultipartUpload upload = await(store.beginUpload("lost.bin", content.length, Map.of()));
            PartReceipt receipt = await(upload.uploadPart(new Part(1, 0, ByteBuffer.wrap(content))));
            proxy.failNext(FaultyS3Proxy.Target.COMPLETE, 1, FaultyS3Proxy.Fault.DROP_RESPONSE);
            proxy.failNext(FaultyS3Proxy.Target.COMPLETE, 1, FaultyS3Proxy.Fault.NO_SUCH_UPLOAD);

            // When
            await(upload.complete(List.of(receipt)));

            // Then
            assertThat(proxy.requests(FaultyS3Proxy.Target.COMPLETE)).isEqualTo(2);
            assertThat(s3.objectBytes(BUCKET, prefix + "/lost.bin")).isEqualTo(content);
        }
    }

    @Test
    void completeWhoseAnswerCannotBeReadIsRecognisedAsDoneWhenTheObjectIsThere() {
        // Given: the store completes the upload, then its answer arrives cut off (a 200 with half an XML document)
        String prefix = newPrefix();
        byte[] content = bytes(MIB, 17);
        try (S3ObjectStore store = store(prefix, proxy.endpoint(), 3, tuning(3))) {
            MultipartUpload upload = await(store.beginUpload("garbled.bin", content.length, Map.of()));
            PartReceipt receipt = await(upload.uploadPart(new Part(1, 0, ByteBuffer.wrap(content))));
            proxy.failNext(FaultyS3Proxy.Target.COMPLETE, 1, FaultyS3Proxy.Fault.GARBLED_RESPONSE);

            // When
            await(upload.complete(List.of(receipt)));

            // Then: the object was found in place, so the upload was not completed a second time
            assertThat(proxy.requests(FaultyS3Proxy.Target.COMPLETE)).isEqualTo(1);
            assertThat(s3.objectBytes(BUCKET, prefix + "/garbled.bin")).isEqualTo(content);
            assertThat(s3.uploadsInProgress(BUCKET)).noneMatch(u -> u.key().startsWith(prefix));
        }
    }

    @Test
    void completeWhoseAnswerCannotBeReadIsSentAgainWhenTheObjectIsNotThere() {
        // Given: an unreadable 200 from something in front of the store, which never saw the request
        String prefix = newPrefix();
        byte[] content = bytes(MIB, 18);
        try (S3ObjectStore store = store(prefix, proxy.endpoint(), 3, tuning(3))) {
            MultipartUpload upload = await(store.beginUpload("unread.bin", content.length, Map.of()));
            PartReceipt receipt = await(upload.uploadPart(new Part(1, 0, ByteBuffer.wrap(content))));
            proxy.failNext(FaultyS3Proxy.Target.COMPLETE, 1, FaultyS3Proxy.Fault.GARBLED_ANSWER);

            // When
            await(upload.complete(List.of(receipt)));

            // Then
            assertThat(proxy.requests(FaultyS3Proxy.Target.COMPLETE)).isEqualTo(2);
            assertThat(s3.objectBytes(BUCKET, prefix + "/unread.bin")).isEqualTo(content);
        }
    }

    @Test
    void completeWhoseAnswerCannotBeReadDoesNotTakeAnEarlierObjectOfTheSameSizeForItsOwn() {
        // Given an object of the same size left under the key by an earlier run, with another file hash
        String prefix = newPrefix();
        byte[] earlier = bytes(MIB, 20);
        byte[] content = bytes(MIB, 21);
        try (S3ObjectStore store = store(prefix, proxy.endpoint(), 3, tuning(3))) {
            await(store.put("same-size.bin", ByteBuffer.wrap(earlier), Map.of("sha256", "e0")));
            MultipartUpload upload = await(store.beginUpload("same-size.bin", content.length, Map.of("sha256", "c0")));
            PartReceipt receipt = await(upload.uploadPart(new Part(1, 0, ByteBuffer.wrap(content))));
            proxy.failNext(FaultyS3Proxy.Target.COMPLETE, 1, FaultyS3Proxy.Fault.GARBLED_ANSWER);

            // When
            await(upload.complete(List.of(receipt)));

            // Then the complete was sent again, and the key holds this upload's bytes and metadata
            assertThat(proxy.requests(FaultyS3Proxy.Target.COMPLETE)).isEqualTo(2);
            assertThat(s3.objectBytes(BUCKET, prefix + "/same-size.bin")).isEqualTo(content);
            assertThat(await(store.stat("same-size.bin"))).get().satisfies(o -> assertThat(o.metadata())
                    .containsEntry("sha256", "c0"));
        }
    }

    @Test
    void completeWhoseAnswersCannotBeReadIsUnavailableAndAbortsTheUpload() {
        // Given
        String prefix = newPrefix();
        byte[] content = bytes(MIB, 19);
        try (S3ObjectStore store = store(prefix, proxy.endpoint(), 2, tuning(2))) {
            MultipartUpload upload = await(store.beginUpload("unreadable.bin", content.length, Map.of()));
            PartReceipt receipt = await(upload.uploadPart(new Part(1, 0, ByteBuffer.wrap(content))));
            proxy.failNext(FaultyS3Proxy.Target.COMPLETE, Integer.MAX_VALUE, FaultyS3Proxy.Fault.GARBLED_ANSWER);

            // When
            StoreException failure = failure(upload.complete(List.of(receipt)));

            // Then
            assertThat(failure.reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
            assertThat(failure.retriable()).isTrue();
            assertThat(failure.getMessage()).contains("CompleteMultipartUpload", upload.id(), "could not read",
                    "gave up after 2 attempts");
            assertThat(proxy.requests(FaultyS3Proxy.Target.COMPLETE)).isEqualTo(2);
            assertThat(await(store.stat("unreadable.bin"))).isEmpty();
            assertThat(s3.uploadsInProgress(BUCKET)).noneMatch(u -> u.key().startsWith(prefix));
        }
    }

    @Test
    void copyKeepsBytesAndMetadataForKeysWithSpacesAndUnicode() {
        // Given
        String prefix = newPrefix();
        byte[] content = bytes(4096, 7);
        try (S3ObjectStore store = store(prefix, s3.endpoint())) {
            await(store.put("snapshots/c0ffee/dir with space/ünï.bin", ByteBuffer.wrap(content),
                    Map.of("sha256", "beef")));

            // When
            await(store.copy("snapshots/c0ffee/dir with space/ünï.bin", "blobs/beef"));

            // Then
            assertThat(s3.objectBytes(BUCKET, prefix + "/blobs/beef")).isEqualTo(content);
            assertThat(await(store.stat("blobs/beef")))
                    .contains(new StoredObject("blobs/beef", content.length, Map.of("sha256", "beef")));
        }
    }

    @Test
    void copyOfASourceOverTheThresholdCopiesRangesAsPartsAndKeepsMetadata() {
        // Given
        String prefix = newPrefix();
        byte[] content = bytes(12 * MIB + 5, 8);
        try (S3ObjectStore store = store(prefix, proxy.endpoint(), 3, tuning(3).withCopy(5 * MIB, 5 * MIB))) {
            await(store.put("snapshots/c0ffee/model.bin", ByteBuffer.wrap(content), Map.of("sha256", "cafe")));

            // When
            await(store.copy("snapshots/c0ffee/model.bin", "blobs/cafe"));

            // Then
            assertThat(proxy.partRequests()).isEqualTo(3);
            assertThat(s3.objectBytes(BUCKET, prefix + "/blobs/cafe")).isEqualTo(content);
            assertThat(await(store.stat("blobs/cafe")))
                    .contains(new StoredObject("blobs/cafe", content.length, Map.of("sha256", "cafe")));
            assertThat(s3.uploadsInProgress(BUCKET)).noneMatch(u -> u.key().startsWith(prefix));
        }
    }

    @Test
    void copyOfAMissingSourceFailsNamingIt() {
        // Given
        String prefix = newPrefix();
        try (S3ObjectStore store = store(prefix, s3.endpoint())) {

            // When
            StoreException failure = failure(store.copy("snapshots/none/gone.bin", "blobs/gone"));

            // Then
            assertThat(failure.reason()).isEqualTo(Reason.STORE_ERROR);
            assertThat(failure.getMessage()).contains(prefix + "/snapshots/none/gone.bin", "does not exist");
        }
    }


    @Test
    void partIsRetriedAfterOneSlowDownAndTheObjectIsCorrect() {
        // Given
        String prefix = newPrefix();
        byte[] content = bytes(7 * MIB, 10);
        try (S3ObjectStore store = store(prefix, proxy.endpoint(), 3, tuning(3))) {
            MultipartUpload upload = await(store.beginUpload("retried.bin", content.length, Map.of()));
            proxy.failNextParts(1, FaultyS3Proxy.Fault.SLOW_DOWN);

            // When
            List<PartReceipt> receipts = new ArrayList<>();
            for (Part part : parts(content, 5 * MIB)) {
                receipts.add(await(upload.uploadPart(part)));
            }
            await(upload.complete(receipts));

            // Then
            assertThat(proxy.partRequests()).isEqualTo(3);
            assertThat(s3.objectBytes(BUCKET, prefix + "/retried.bin")).isEqualTo(content);
        }
    }

    @Test
    void partIsRetriedAfterADroppedConnection() {
        // Given
        String prefix = newPrefix();
        byte[] content = bytes(2 * MIB, 11);
        try (S3ObjectStore store = store(prefix, proxy.endpoint(), 3, tuning(3))) {
            MultipartUpload upload = await(store.beginUpload("dropped.bin", content.length, Map.of()));
            proxy.failNextParts(1, FaultyS3Proxy.Fault.DROP_CONNECTION);

            // When
            PartReceipt receipt = await(upload.uploadPart(new Part(1, 0, ByteBuffer.wrap(content))));
            await(upload.complete(List.of(receipt)));

            // Then
            assertThat(proxy.partRequests()).isEqualTo(2);
            assertThat(s3.objectBytes(BUCKET, prefix + "/dropped.bin")).isEqualTo(content);
        }
    }

    @Test
    void partThatKeepsFailingIsUnavailableAndAbortingLeavesNothing() {
        // Given
        String prefix = newPrefix();
        byte[] content = bytes(MIB, 12);
        try (S3ObjectStore store = store(prefix, proxy.endpoint(), 3, tuning(3))) {
            MultipartUpload upload = await(store.beginUpload("failing.bin", content.length, Map.of()));
            proxy.failNextParts(Integer.MAX_VALUE, FaultyS3Proxy.Fault.INTERNAL_ERROR);

            // When
            StoreException failure = failure(upload.uploadPart(new Part(1, 0, ByteBuffer.wrap(content))));
            await(upload.abort());

            // Then
            assertThat(failure.reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
            assertThat(failure.retriable()).isTrue();
            assertThat(failure.getMessage()).contains("UploadPart", "s3://mirror/" + prefix + "/failing.bin",
                    "upload id " + upload.id(), "part 1", "InternalError", "gave up after 3 attempts");
            assertThat(proxy.partRequests()).isEqualTo(3);
            assertThat(s3.uploadsInProgress(BUCKET)).noneMatch(u -> u.key().startsWith(prefix));
            assertThat(s3.keys(BUCKET, prefix)).isEmpty();
        }
    }

    @Test
    void wrongCredentialsAreAccessDeniedNamingBucketKeyAndWhatToCheck() {
        // Given
        String prefix = newPrefix();
        try (S3AsyncClient client = s3.client(s3.endpoint(), s3.accessKey(), "not-the-secret");
                S3ObjectStore store = new S3ObjectStore(StoreLocation.parse("s3://" + BUCKET + "/" + prefix), client,
                        tuning(3))) {

            // When
            StoreException failure = failure(store.put("refs/main", ByteBuffer.wrap(bytes(40, 13)), Map.of()));

            // Then
            assertThat(failure.reason()).isEqualTo(Reason.STORE_ACCESS_DENIED);
            assertThat(failure.retriable()).isFalse();
            assertThat(failure.getMessage()).contains("PutObject", "s3://mirror/" + prefix + "/refs/main", "credentials",
                    "bucket policy", "region").doesNotContain("not-the-secret", "gave up");
        }
    }

    @Test
    void unknownBucketIsAccessDeniedSayingTheBucketDoesNotExist() {
        // Given
        try (S3ObjectStore store = new S3ObjectStore(StoreLocation.parse("s3://no-such-bucket/weights"),
                config(s3.endpoint(), 3), tuning(3))) {

            // When
            StoreException failure = failure(store.put("refs/main", ByteBuffer.wrap(bytes(40, 14)), Map.of()));

            // Then
            assertThat(failure.reason()).isEqualTo(Reason.STORE_ACCESS_DENIED);
            assertThat(failure.getMessage()).contains("bucket 'no-such-bucket' does not exist",
                    "mirror.store.url (env MIRROR_STORE_URL", "mirror.store.s3.endpoint, env AWS_ENDPOINT_URL_S3",
                    "mirror.store.s3.region, env AWS_REGION");
        }
    }

    @Test
    void probeWritesAndRemovesItsObject() {
        // Given
        String prefix = newPrefix();
        try (S3ObjectStore store = store(prefix, s3.endpoint())) {

            // When
            await(store.probe());

            // Then
            assertThat(s3.keys(BUCKET, prefix)).isEmpty();
        }
    }

    @Test
    void probeOfAnUnreachableStoreIsUnavailable() {
        // Given: a port that resets every connection
        try (ResettingServer unreachable = ResettingServer.start();
                S3ObjectStore store = store(newPrefix(), unreachable.endpoint(), 2, tuning(2))) {

            // When
            StoreException failure = failure(store.probe());

            // Then
            assertThat(failure.reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
            assertThat(failure.getMessage()).contains("PutObject", S3ObjectStore.PROBE_KEY, "could not reach",
                    "gave up after 2 attempts");
        }
    }

    @Test
    void probeWithWrongCredentialsIsAccessDenied() {
        // Given
        try (S3AsyncClient client = s3.client(s3.endpoint(), "someone-else", s3.secretKey());
                S3ObjectStore store = new S3ObjectStore(StoreLocation.parse("s3://" + BUCKET + "/" + newPrefix()),
                        client, tuning(3))) {

            // When
            StoreException failure = failure(store.probe());

            // Then
            assertThat(failure.reason()).isEqualTo(Reason.STORE_ACCESS_DENIED);
        }
    }

    @Test
    void abortUploadsAbortsWhatACrashedInstanceLeftUnderThePrefixAndNothingElse() {
        // Given: uploads begun by an instance that then "crashed" (never completed nor aborted them), one of this
        // instance's own in flight, and one of the crashed instance's outside the prefix
        String prefix = newPrefix();
        try (S3ObjectStore crashed = store(prefix, s3.endpoint()); S3ObjectStore store = store(prefix, s3.endpoint())) {
            MultipartUpload orphan = await(crashed.beginUpload("snapshots/c0ffee/a.bin", MIB, Map.of()));
            await(orphan.uploadPart(new Part(1, 0, ByteBuffer.wrap(bytes(MIB, 30)))));
            MultipartUpload nested = await(crashed.beginUpload("snapshots/c0ffee/dir/b.bin", MIB, Map.of()));
            MultipartUpload elsewhere = await(crashed.beginUpload("snapshots/beef/a.bin", MIB, Map.of()));
            MultipartUpload own = await(store.beginUpload("snapshots/c0ffee/c.bin", MIB, Map.of()));

            // When
            int aborted = await(store.abortUploads("snapshots/c0ffee/"));

            // Then
            assertThat(aborted).isEqualTo(2);
            assertThat(s3.uploadsInProgress(BUCKET)).filteredOn(u -> u.key().startsWith(prefix + "/"))
                    .extracting(software.amazon.awssdk.services.s3.model.MultipartUpload::uploadId)
                    .containsExactlyInAnyOrder(elsewhere.id(), own.id())
                    .doesNotContain(orphan.id(), nested.id());
            PartReceipt receipt = await(own.uploadPart(new Part(1, 0, ByteBuffer.wrap(bytes(MIB, 31)))));
            await(own.complete(List.of(receipt)));
            assertThat(await(store.abortUploads("snapshots/"))).isEqualTo(1);
            assertThat(s3.uploadsInProgress(BUCKET)).noneMatch(u -> u.key().startsWith(prefix + "/"));
            assertThat(s3.keys(BUCKET, prefix + "/")).containsExactly(prefix + "/snapshots/c0ffee/c.bin");
        }
    }

    private static S3ObjectStore store(String prefix, URI endpoint) {
        return store(prefix, endpoint, 3, tuning(3));
    }

    private static S3ObjectStore store(String prefix, URI endpoint, int maxAttempts, S3ObjectStore.Tuning tuning) {
        return new S3ObjectStore(StoreLocation.parse("s3://" + BUCKET + "/" + prefix), config(endpoint, maxAttempts),
                tuning);
    }

    private static StoreConfig.S3 config(URI endpoint, int maxAttempts) {
        return new SmallRyeConfigBuilder().addDiscoveredConverters()
                .withMapping(StoreConfig.class)
                .withDefaultValue("mirror.store.s3.endpoint", endpoint.toString())
                .withDefaultValue("mirror.store.s3.region", s3.region())
                .withDefaultValue("mirror.store.s3.max-attempts", String.valueOf(maxAttempts))
                .build()
                .getConfigMapping(StoreConfig.class)
                .s3();
    }

    private static S3ObjectStore.Tuning tuning(int maxAttempts) {
        return new S3ObjectStore.Tuning(new RetrySettings(maxAttempts, Duration.ofMillis(10), Duration.ofMillis(50), 0.5),
                S3ObjectStore.MAX_COPY_OBJECT_SIZE, 512L * MIB, 4);
    }

    private static String newPrefix() {
        return "t" + PREFIXES.incrementAndGet();
    }

    private static StoreException failure(Uni<?> uni) {
        return catchThrowableOfType(StoreException.class, () -> uni.await().atMost(TIMEOUT));
    }
}
