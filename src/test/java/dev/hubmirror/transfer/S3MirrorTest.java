package dev.hubmirror.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hubmirror.memory.BufferPool;
import dev.hubmirror.failure.RetrySettings;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.RepoType;
import dev.hubmirror.hub.NettyHubClient;
import dev.hubmirror.sim.SimCommit;
import dev.hubmirror.sim.SimRepo;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.StoreLocation;
import dev.hubmirror.store.s3.S3ObjectStore;
import dev.hubmirror.testing.Configs;
import dev.hubmirror.testing.FaultyS3Proxy;
import dev.hubmirror.testing.ResettingServer;
import dev.hubmirror.testing.S3ProxyServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/** The mirror scenarios into S3 (s3proxy as a child process, the real AWS SDK). */
class S3MirrorTest extends MirrorScenarios {

    static final String BUCKET = "mirror";
    static S3ProxyServer s3;
    static S3ObjectStore store;
    static FaultyS3Proxy proxy;
    static S3AsyncClient proxyClient;
    static S3ObjectStore faultyStore;

    @BeforeAll
    static void startS3() {
        s3 = S3ProxyServer.start();
        s3.createBucket(BUCKET);
        S3ObjectStore.Tuning tuning = S3ObjectStore.Tuning.from(Configs.store(Map.of()).s3())
                .withBackoff(Duration.ofMillis(10), Duration.ofMillis(50));
        store = new S3ObjectStore(StoreLocation.parse("s3://" + BUCKET + "/weights"), s3.client(), tuning);
        proxy = FaultyS3Proxy.start(s3.endpoint());
        proxyClient = s3.client(proxy.endpoint(), s3.accessKey(), s3.secretKey());
        faultyStore = new S3ObjectStore(StoreLocation.parse("s3://" + BUCKET + "/faulty"), proxyClient, tuning);
    }

    @AfterAll
    static void stopS3() {
        faultyStore.close();
        proxyClient.close();
        proxy.close();
        store.close();
        s3.close();
    }

    @Test
    void aPartAnsweredSlowDownAndAnotherAnswered500AreRetriedAloneAndTheJobSucceeds() {
        // Given: a three-part file; the store answers 503 SlowDown to one part request and 500 to the next one
        SimRepo repo = sim.model("org/s3-part-faults");
        SimCommit c = repo.commit().lfsFile("w.bin", 2 * PART + 100, 151);
        repo.branch("main", c);
        proxy.reset();
        proxy.failNextParts(1, FaultyS3Proxy.Fault.SLOW_DOWN);
        proxy.failNextParts(1, FaultyS3Proxy.Fault.INTERNAL_ERROR);

        // When
        MirrorOutcome outcome = mirrorInto(faultyStore, "org/s3-part-faults");

        // Then: three parts, two of them sent twice, nothing else re-sent
        assertThat(outcome.files()).isEqualTo(1);
        assertThat(proxy.partRequests()).isEqualTo(3 + 2);
        assertThat(s3.objectBytes(BUCKET, "faulty/models--org--s3-part-faults/snapshots/" + c.sha() + "/w.bin"))
                .isEqualTo(c.file("w.bin").content());
        assertThat(openUploads()).isZero();
    }

    @Test
    void aPartOfAnUploadThatVanishedStartsTheFileAgainAndTheJobSucceeds() {
        // Given: the store answers NoSuchUpload to a part (the upload was aborted under the mirror's feet, e.g. by a
        // lifecycle rule), and whole files may be tried twice (mirror.transfer.file-attempts)
        SimRepo repo = sim.model("org/s3-vanished");
        SimCommit c = repo.commit().lfsFile("w.bin", PART + 100, 181);
        repo.branch("main", c);
        proxy.reset();
        proxy.failNextParts(1, FaultyS3Proxy.Fault.NO_SUCH_UPLOAD);
        NettyHubClient hub = new NettyHubClient(vertx, Configs.hub(sim.hubUrl(), null, Map.of()));
        FileTransfers files = new FileTransfers(hub, faultyStore, new BufferPool(64 * MIB),
                new TransferSettings(PART, MIB, 1, 1), TransferObserver.NONE);

        // When
        MirrorOutcome outcome = new StreamingSnapshotMirror(hub, faultyStore, files, 3, false,
                new RetrySettings(2, Duration.ofMillis(10), Duration.ofMillis(10 * 4), 0))
                .mirror(spec(RepoType.MODEL, "org/s3-vanished", "main"), MirrorProgress.NONE)
                .await().atMost(Duration.ofSeconds(60));

        // Then: the part is not re-sent to the vanished upload; the file starts again in a new upload
        assertThat(outcome.files()).isEqualTo(1);
        assertThat(proxy.partRequests()).isGreaterThanOrEqualTo(3).isLessThanOrEqualTo(4);
        assertThat(s3.objectBytes(BUCKET, "faulty/models--org--s3-vanished/snapshots/" + c.sha() + "/w.bin"))
                .isEqualTo(c.file("w.bin").content());
        assertThat(openUploads()).isZero();
    }

    @Test
    void aCompletionWhoseAnswerIsCutShortIsFoundDoneAndTheFileIsNotSentAgain() {
        // Given: a two-part file; the store completes it, then its answer arrives cut off midway (as eight 5 GiB
        // completions at once did from s3proxy on a busy disk)
        SimRepo repo = sim.model("org/s3-garbled-complete");
        SimCommit c = repo.commit().lfsFile("w.bin", PART + 100, 191);
        repo.branch("main", c);
        proxy.reset();
        proxy.failNext(FaultyS3Proxy.Target.COMPLETE, 1, FaultyS3Proxy.Fault.GARBLED_RESPONSE);

        // When
        MirrorOutcome outcome = mirrorInto(faultyStore, "org/s3-garbled-complete");

        // Then: the object in place with the file's size and hash is taken as completed: no part and no completion
        // is sent again, and the snapshot is published
        assertThat(outcome.files()).isEqualTo(1);
        assertThat(proxy.partRequests()).isEqualTo(2);
        assertThat(proxy.requests(FaultyS3Proxy.Target.COMPLETE)).isEqualTo(1);
        assertThat(s3.objectBytes(BUCKET, "faulty/models--org--s3-garbled-complete/snapshots/" + c.sha() + "/w.bin"))
                .isEqualTo(c.file("w.bin").content());
        assertThat(openUploads()).isZero();
    }

    @Test
    void aStoreThatStopsAnsweringPartsFailsTheJobWithStoreUnavailableAndAbortsTheUpload() {
        // Given: every part request has its connection dropped (creates and aborts still reach the store)
        SimRepo repo = sim.model("org/s3-gone");
        SimCommit c = repo.commit().lfsFile("w.bin", PART + 100, 161);
        repo.branch("main", c);
        proxy.reset();
        proxy.failNextParts(Integer.MAX_VALUE, FaultyS3Proxy.Fault.DROP_CONNECTION);
        try {
            // When
            MirrorException failure = catchThrowableOfType(MirrorException.class,
                    () -> mirrorInto(faultyStore, "org/s3-gone"));

            // Then
            assertThat(failure.reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
            assertThat(failure.getMessage()).contains("org/s3-gone", "w.bin", "UploadPart",
                    "s3://" + BUCKET + "/faulty/models--org--s3-gone/snapshots/" + c.sha() + "/w.bin",
                    "could not reach the store", "mirror.store.s3.endpoint", "refs/main was not written");
        } finally {
            proxy.reset();
        }
        assertThat(openUploads()).isZero();
        assertThat(s3.keys(BUCKET, "faulty/models--org--s3-gone/")).isEmpty();
    }

    @Test
    void anUnreachableStoreFailsTheJobWithStoreUnavailableAndAClearMessage() {
        // Given: a store endpoint that resets every connection
        SimRepo repo = sim.model("org/s3-unreachable");
        repo.branch("main", repo.commit().textFile("config.json", "{}").lfsFile("w.bin", PART + 1, 171));
        try (ResettingServer nowhere = ResettingServer.start();
                S3AsyncClient client = s3.client(nowhere.endpoint(), s3.accessKey(), s3.secretKey());
                S3ObjectStore unreachable = new S3ObjectStore(StoreLocation.parse("s3://" + BUCKET + "/nowhere"),
                        client, S3ObjectStore.Tuning.from(Configs.store(Map.of()).s3())
                                .withBackoff(Duration.ofMillis(10), Duration.ofMillis(50)))) {

            // When
            MirrorException failure = catchThrowableOfType(MirrorException.class,
                    () -> mirrorInto(unreachable, "org/s3-unreachable"));

            // Then
            assertThat(failure.reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
            assertThat(failure.retriable()).isTrue();
            assertThat(failure.getMessage()).contains("2 of 2 files", "org/s3-unreachable",
                    "could not reach the store", "mirror.store.s3.endpoint", "gave up after");
        }
    }

    private MirrorOutcome mirrorInto(ObjectStore target, String repo) {
        NettyHubClient hub = new NettyHubClient(vertx, Configs.hub(sim.hubUrl(), null, Map.of()));
        FileTransfers files = new FileTransfers(hub, target, new BufferPool(64 * MIB),
                new TransferSettings(PART, MIB, 1, 2), TransferObserver.NONE);
        return new StreamingSnapshotMirror(hub, target, files, 3, false)
                .mirror(spec(RepoType.MODEL, repo, "main"), MirrorProgress.NONE)
                .await().atMost(Duration.ofSeconds(60));
    }

    @Override
    ObjectStore store() {
        return store;
    }

    @Override
    Optional<byte[]> read(String key) {
        try {
            return Optional.of(s3.objectBytes(BUCKET, "weights/" + key));
        } catch (CompletionException e) {
            if (e.getCause() instanceof NoSuchKeyException) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    List<String> keys(String prefix) {
        return s3.keys(BUCKET, "weights/" + prefix);
    }

    @Override
    List<String> outsideThePrefix() {
        List<String> outside = new java.util.ArrayList<>(s3.keys(BUCKET, "").stream()
                .filter(k -> !k.startsWith("weights/")).toList());
        // and on s3proxy's disk: nothing but the bucket's objects under weights/ (and s3proxy's own hidden files)
        s3.filesOnDisk().stream().filter(f -> !f.startsWith(BUCKET + "/weights/") && !f.contains("/.")
                && !f.startsWith(".")).forEach(outside::add);
        return outside;
    }

    @Override
    int openUploads() {
        return s3.uploadsInProgress(BUCKET).size();
    }
}
