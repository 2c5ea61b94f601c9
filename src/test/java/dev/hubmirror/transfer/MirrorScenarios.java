package dev.hubmirror.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hubmirror.memory.BufferPool;
import dev.hubmirror.failure.RetrySettings;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.HfRepoId;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.hub.RepoType;
import dev.hubmirror.hub.NettyHubClient;
import dev.hubmirror.metrics.MetricNames;
import dev.hubmirror.metrics.MicrometerTransferObserver;
import dev.hubmirror.sim.HubSimulator;
import dev.hubmirror.sim.SimCommit;
import dev.hubmirror.sim.SimFile;
import dev.hubmirror.sim.SimRepo;
import dev.hubmirror.sim.SimRequest;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.testing.Configs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * End-to-end mirror scenarios against the Hub simulator and a real store; subclasses provide the store (a directory,
 * s3proxy). Each test uses its own repo id so tests are independent.
 */
abstract class MirrorScenarios {

    static final long MIB = 1024 * 1024;
    static final long PART = 5 * MIB;
    static final String TOKEN = "hf_alice_token_do_not_log";

    static final AtomicInteger HOSTILE = new AtomicInteger();

    static Vertx vertx;
    static HubSimulator sim;

    /** The store under test, fresh or shared; keys are unique per test through repo ids. */
    abstract ObjectStore store();

    /** Bytes of a visible object, or empty. */
    abstract Optional<byte[]> read(String key);

    /** Keys under a prefix that are visible objects (and, for stores that have them, in-progress uploads). */
    abstract List<String> keys(String prefix);

    /** Everything the store holds outside its configured prefix (must stay empty whatever the Hub lists). */
    abstract List<String> outsideThePrefix();

    /** Multipart uploads still open (must be none after any job). */
    abstract int openUploads();

    @BeforeAll
    static void startSimulator() {
        vertx = Vertx.vertx();
        sim = HubSimulator.start();
        sim.addToken(TOKEN, "alice");
    }

    @AfterAll
    static void stopSimulator() {
        sim.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    StreamingSnapshotMirror mirror(String token, boolean blobs) {
        return mirror(token, blobs, RetrySettings.NONE, SnapshotLimits.NONE);
    }

    StreamingSnapshotMirror mirror(String token, boolean blobs, RetrySettings retry) {
        return mirror(token, blobs, retry, SnapshotLimits.NONE);
    }

    StreamingSnapshotMirror mirror(String token, boolean blobs, SnapshotLimits limits) {
        return mirror(token, blobs, RetrySettings.NONE, limits);
    }

    StreamingSnapshotMirror mirror(String token, boolean blobs, RetrySettings retry,
            SnapshotLimits limits) {
        NettyHubClient hub = new NettyHubClient(vertx, Configs.hub(sim.hubUrl(), token, Map.of()));
        // three parallel Range fetches per file, two part uploads: every scenario runs the reorder window
        FileTransfers files = new FileTransfers(hub, store(), new BufferPool(64 * MIB),
                new TransferSettings(PART, MIB, 3, 2), TransferObserver.NONE);
        return new StreamingSnapshotMirror(hub, store(), files, 3, blobs, retry, limits);
    }

    MirrorOutcome run(MirrorSpec spec) {
        return mirror(null, false).mirror(spec, MirrorProgress.NONE).await().atMost(Duration.ofSeconds(60));
    }

    static MirrorSpec spec(RepoType type, String id, String revision) {
        return new MirrorSpec(new RepoRef(HfRepoId.parse(id), type, revision));
    }

    void assertSnapshot(RepoRef ref, SimCommit commit, List<String> paths) {
        for (String path : paths) {
            SimFile f = commit.file(path);
            Optional<byte[]> stored = read(CacheLayout.snapshotFile(ref, commit.sha(), path));
            assertThat(stored).as("object for %s", path).isPresent();
            assertThat(stored.get()).as("bytes of %s", path).isEqualTo(f.content());
        }
    }

    @Test
    void mirrorsALargeLfsFileInSeveralPartsAndSmallFiles() {
        // Given: an LFS file of 2 parts + 1 byte (3 parts), a regular file, an LFS text file
        SimRepo repo = sim.model("org/large");
        SimCommit c = repo.commit().lfsFile("model.safetensors", 2 * PART + 1, 11).regularFile("config.json", 700, 12)
                .textFile("README.md", "# large\n");
        repo.branch("main", c);

        // When
        MirrorOutcome outcome = run(spec(RepoType.MODEL, "org/large", "main"));

        // Then
        RepoRef ref = RepoRef.model("org/large", "main");
        assertThat(outcome.commit()).isEqualTo(c.sha());
        assertThat(outcome.files()).isEqualTo(3);
        assertThat(outcome.snapshotUrl()).isEqualTo(store().url("models--org--large/snapshots/" + c.sha() + "/"));
        assertSnapshot(ref, c, List.of("model.safetensors", "config.json", "README.md"));
        assertThat(new String(read("models--org--large/refs/main").orElseThrow(), StandardCharsets.US_ASCII))
                .isEqualTo(c.sha());
        assertThat(new String(read("models--org--large/trees/" + c.sha() + ".json").orElseThrow(),
                StandardCharsets.US_ASCII)).contains("\"model.safetensors\": {", "\"lfs_sha256\": \""
                        + c.file("model.safetensors").sha256() + "\"");
        assertThat(openUploads()).isZero();
        // the LFS file was fetched part by part with Range requests, without the token on the CDN
        List<SimRequest> cdn = sim.requests().stream().filter(r -> r.listener().equals("cdn")).toList();
        assertThat(cdn).isNotEmpty().allSatisfy(r -> assertThat(r.headers()).doesNotContainKey("authorization"));
    }

    @Test
    void sizesAtPartBoundariesAndAnEmptyFileAreExact() {
        SimRepo repo = sim.model("org/bounds");
        SimCommit c = repo.commit().lfsFile("one-part.bin", PART, 21).lfsFile("one-part-plus-one.bin", PART + 1, 22)
                .lfsFile("threshold.bin", MIB, 23).lfsFile("threshold-plus-one.bin", MIB + 1, 24)
                .textFile("empty.txt", "").lfsTextFile("empty-lfs.bin", "");
        repo.branch("main", c);

        run(spec(RepoType.MODEL, "org/bounds", "main"));

        assertSnapshot(RepoRef.model("org/bounds", "main"), c, List.of("one-part.bin", "one-part-plus-one.bin",
                "threshold.bin", "threshold-plus-one.bin", "empty.txt", "empty-lfs.bin"));
        assertThat(openUploads()).isZero();
    }

    @Test
    void manySmallFilesOverSeveralTreePagesWithUnicodeAndSpaces() {
        SimRepo repo = sim.model("org/many");
        SimCommit c = repo.commit();
        for (int i = 0; i < 40; i++) {
            c.regularFile("shard " + i + "/f\u00fcr-\u6a21\u578b-" + i + ".txt", 100 + i, 100 + i);
        }
        repo.branch("main", c);
        sim.treePageSize(7);
        try {
            MirrorOutcome outcome = run(spec(RepoType.MODEL, "org/many", "main"));
            assertThat(outcome.files()).isEqualTo(40);
            assertSnapshot(RepoRef.model("org/many", "main"), c, c.files().stream().map(SimFile::path).toList());
        } finally {
            sim.treePageSize(1000);
        }
    }

    @Test
    void tagShaAndPullRequestRevisionsAndADataset() {
        SimRepo repo = sim.model("org/revs");
        SimCommit v1 = repo.commit().textFile("a.txt", "v1");
        SimCommit pr = repo.commit().textFile("a.txt", "pr");
        repo.branch("main", v1).tag("v1.0", v1).pullRequest(1, pr);

        run(spec(RepoType.MODEL, "org/revs", "v1.0"));
        run(spec(RepoType.MODEL, "org/revs", "refs/pr/1"));
        run(spec(RepoType.MODEL, "org/revs", v1.sha()));

        assertThat(new String(read("models--org--revs/refs/v1.0").orElseThrow(), StandardCharsets.US_ASCII))
                .isEqualTo(v1.sha());
        assertThat(new String(read("models--org--revs/refs/refs/pr/1").orElseThrow(), StandardCharsets.US_ASCII))
                .isEqualTo(pr.sha());
        assertThat(keys("models--org--revs/refs/")).doesNotContain("models--org--revs/refs/" + v1.sha());
        assertThat(read("models--org--revs/snapshots/" + pr.sha() + "/a.txt").orElseThrow()).isEqualTo(
                "pr".getBytes(StandardCharsets.UTF_8));

        SimRepo ds = sim.repo(RepoType.DATASET, "org/ds");
        SimCommit d = ds.commit().lfsFile("data/train.parquet", 3000, 31).textFile("README.md", "ds");
        ds.branch("main", d);
        run(spec(RepoType.DATASET, "org/ds", "main"));
        assertSnapshot(new RepoRef(HfRepoId.parse("org/ds"), RepoType.DATASET, "main"), d,
                List.of("data/train.parquet", "README.md"));
        assertThat(read("datasets--org--ds/refs/main")).isPresent();
    }

    @Test
    void gatedRepoFailsClearlyWithoutTokenAndWritesNothingThenWorksWithIt() {
        SimRepo repo = sim.model("org/gated").gated(true).grant("alice");
        SimCommit c = repo.commit().textFile("config.json", "{}").lfsFile("w.bin", 4000, 41);
        repo.branch("main", c);

        assertThatThrownBy(() -> run(spec(RepoType.MODEL, "org/gated", "main")))
                .isInstanceOf(MirrorException.class)
                .satisfies(e -> assertThat(((MirrorException) e).reason()).isEqualTo(Reason.GATED_REPO))
                .hasMessageContaining("org/gated");
        assertThat(keys("models--org--gated/")).isEmpty();

        MirrorOutcome outcome = mirror(TOKEN, false).mirror(spec(RepoType.MODEL, "org/gated", "main"),
                MirrorProgress.NONE).await().atMost(Duration.ofSeconds(30));
        assertThat(outcome.files()).isEqualTo(2);
        assertSnapshot(RepoRef.model("org/gated", "main"), c, List.of("config.json", "w.bin"));
    }

    @Test
    void unknownRepoAndUnknownRevisionFailWithTheirReasons() {
        sim.model("org/known").branch("main", sim.model("org/known").commit().textFile("a", "a"));

        assertThatThrownBy(() -> run(spec(RepoType.MODEL, "org/does-not-exist", "main")))
                .satisfies(e -> assertThat(((MirrorException) e).reason()).isEqualTo(Reason.REPO_NOT_FOUND));
        assertThatThrownBy(() -> run(spec(RepoType.MODEL, "org/known", "no-such-branch")))
                .satisfies(e -> assertThat(((MirrorException) e).reason()).isEqualTo(Reason.REVISION_NOT_FOUND));
    }

    static Stream<String> hostilePaths() {
        return Stream.of("../escape.txt", "a/../../escape.txt", "..", "/etc/escape.txt", "/escape.txt",
                "a\\..\\..\\escape.txt", "C:\\escape.txt", "nul\0escape.txt", "new\nline.txt", "a//escape.txt",
                "./escape.txt", "x".repeat(256) + ".txt", "é".repeat(128) + ".txt",
                ("s".repeat(250) + "/").repeat(17) + "escape.txt");
    }

    @ParameterizedTest
    @MethodSource("hostilePaths")
    void aHostilePathFailsTheJobAndNothingIsWrittenAnywhere(String path) {
        // Given: a repo whose tree lists a good file and a hostile one
        String id = "org/hostile-" + HOSTILE.incrementAndGet();
        SimRepo repo = sim.model(id);
        repo.branch("main", repo.commit().textFile("config.json", "{}").hostileTextFile(path, "pwned"));
        sim.clearRequests();

        // When / Then
        assertThatThrownBy(() -> run(spec(RepoType.MODEL, id, "main")))
                .isInstanceOf(MirrorException.class)
                .satisfies(e -> assertThat(((MirrorException) e).reason()).isEqualTo(Reason.UNSAFE_PATH))
                .hasMessageContaining(id)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContainPattern("\\p{Cntrl}").hasSizeLessThan(600));
        assertThat(keys(HfRepoId.parse(id).cacheFolder(RepoType.MODEL) + "/")).isEmpty();
        assertThat(outsideThePrefix()).isEmpty();
        assertThat(sim.requests()).filteredOn(r -> r.path().contains("/resolve/")).isEmpty();
    }

    @Test
    void aJobOverTheFileOrByteLimitFailsBeforeTransferringAnything() {
        // Given
        SimRepo repo = sim.model("org/too-large");
        repo.branch("main", repo.commit().textFile("a.json", "{}").textFile("b.json", "{}")
                .regularFile("c.bin", 5000, 51L));
        sim.clearRequests();

        // When
        MirrorException files = catchThrowableOfType(MirrorException.class, () -> mirror(null, false,
                new SnapshotLimits(2, Long.MAX_VALUE)).mirror(spec(RepoType.MODEL, "org/too-large", "main"),
                MirrorProgress.NONE).await().atMost(Duration.ofSeconds(30)));
        MirrorException bytes = catchThrowableOfType(MirrorException.class, () -> mirror(null, false,
                new SnapshotLimits(10, 4000)).mirror(spec(RepoType.MODEL, "org/too-large", "main"),
                MirrorProgress.NONE).await().atMost(Duration.ofSeconds(30)));

        // Then
        assertThat(files.reason()).isEqualTo(Reason.JOB_TOO_LARGE);
        assertThat(files.getMessage()).contains("3 files").contains("mirror.jobs.max-files-per-job=2");
        assertThat(bytes.reason()).isEqualTo(Reason.JOB_TOO_LARGE);
        assertThat(bytes.getMessage()).contains("mirror.jobs.max-bytes-per-job=4000");
        assertThat(keys("models--org--too-large/")).isEmpty();
        assertThat(sim.requests()).filteredOn(r -> r.path().contains("/resolve/")).isEmpty();
    }

    @Test
    void listedSizesThatWouldWrapALongSumStillHitTheByteLimitAndNothingIsTransferred() {
        // Given: four LFS files the listing claims are 2^62 bytes each (a long sum wraps to exactly 0) and a real one
        SimRepo repo = sim.model("org/wrapping-sizes");
        SimCommit c = repo.commit().textFile("config.json", "{}");
        for (int i = 0; i < 4; i++) {
            c.lfsFile("huge-" + i + ".bin", 1L << 62, 90 + i, "a".repeat(64));
        }
        repo.branch("main", c);
        sim.clearRequests();

        // When: a job with a 4000-byte limit, and one with no limit at all
        MirrorException limited = catchThrowableOfType(MirrorException.class, () -> mirror(null, false,
                new SnapshotLimits(10, 4000)).mirror(spec(RepoType.MODEL, "org/wrapping-sizes", "main"),
                MirrorProgress.NONE).await().atMost(Duration.ofSeconds(30)));
        MirrorException unlimited = catchThrowableOfType(MirrorException.class, () -> mirror(null, false,
                SnapshotLimits.NONE).mirror(spec(RepoType.MODEL, "org/wrapping-sizes", "main"),
                MirrorProgress.NONE).await().atMost(Duration.ofSeconds(30)));

        // Then: both refused with the exact total (2^64 + 2 bytes), before any file was fetched or written
        assertThat(limited.reason()).isEqualTo(Reason.JOB_TOO_LARGE);
        assertThat(limited.getMessage()).contains("selects 18446744073709551618 bytes")
                .contains("mirror.jobs.max-bytes-per-job=4000");
        assertThat(unlimited.reason()).isEqualTo(Reason.JOB_TOO_LARGE);
        assertThat(unlimited.getMessage()).contains("selects 18446744073709551618 bytes");
        assertThat(keys("models--org--wrapping-sizes/")).isEmpty();
        assertThat(sim.requests()).filteredOn(r -> r.path().contains("/resolve/")).isEmpty();
    }

    @Test
    void anUnsafePathOutsideTheIncludePatternsStillFailsTheJobAndNoTreeIsPublished() {
        // Given: a tree with a good JSON file and a traversal path that the include patterns do not select
        SimRepo repo = sim.model("org/unsafe-unselected");
        repo.branch("main", repo.commit().textFile("config.json", "{}").hostileTextFile("../../etc/passwd", "root"));
        sim.clearRequests();

        // When
        MirrorException e = catchThrowableOfType(MirrorException.class, () -> run(new MirrorSpec(
                RepoRef.model("org/unsafe-unselected", "main"), List.of("*.json"), List.of())));

        // Then: refused as if it were selected, and trees/<commit>.json (which lists every path) never written
        assertThat(e.reason()).isEqualTo(Reason.UNSAFE_PATH);
        assertThat(e.retriable()).isFalse();
        assertThat(e.getMessage()).contains("org/unsafe-unselected").contains("../../etc/passwd");
        assertThat(keys("models--org--unsafe-unselected/")).isEmpty();
        assertThat(outsideThePrefix()).isEmpty();
        assertThat(sim.requests()).filteredOn(r -> r.path().contains("/resolve/")).isEmpty();
    }

    @Test
    void aFileAndAFolderOfTheSameNameAreRefusedUpFrontAndNothingIsWritten() {
        // Given: a tree listing the file 'a' and the file 'a/b' (so 'a' is also a folder), and a good file
        SimRepo repo = sim.model("org/file-and-folder");
        repo.branch("main", repo.commit().textFile("config.json", "{}").hostileTextFile("a", "file")
                .hostileTextFile("a/b", "file in folder"));
        sim.clearRequests();

        // When
        MirrorException e = catchThrowableOfType(MirrorException.class,
                () -> run(spec(RepoType.MODEL, "org/file-and-folder", "main")));

        // Then: a non-retriable refusal naming both paths, before any fetch, upload or junk object
        assertThat(e.reason()).isEqualTo(Reason.UNSAFE_PATH);
        assertThat(e.retriable()).isFalse();
        assertThat(e.getMessage()).contains("'a' both as a file and as the folder of 'a/b'");
        assertThat(keys("models--org--file-and-folder/")).isEmpty();
        assertThat(openUploads()).isZero();
        assertThat(sim.requests()).filteredOn(r -> r.path().contains("/resolve/")).isEmpty();
    }

    @Test
    void patternsThatSelectNoFileFailTheJobAndWriteNothing() {
        // Given
        SimRepo repo = sim.model("org/no-match");
        repo.branch("main", repo.commit().textFile("config.json", "{}").lfsFile("model.safetensors", 5000, 52L));
        sim.clearRequests();

        // When
        MirrorException e = catchThrowableOfType(MirrorException.class, () -> mirror(null, false)
                .mirror(new MirrorSpec(RepoRef.model("org/no-match", "main"), List.of("*.bin"), List.of()),
                        MirrorProgress.NONE).await().atMost(Duration.ofSeconds(30)));
        MirrorException excludedAll = catchThrowableOfType(MirrorException.class, () -> mirror(null, false)
                .mirror(new MirrorSpec(RepoRef.model("org/no-match", "main"), List.of(), List.of("*")),
                        MirrorProgress.NONE).await().atMost(Duration.ofSeconds(30)));

        // Then
        assertThat(e.reason()).isEqualTo(Reason.NO_MATCHING_FILES);
        assertThat(e.retriable()).isFalse();
        assertThat(e.getMessage()).contains("org/no-match", "[*.bin]", "select no file", "config.json",
                "refs/ was not");
        assertThat(excludedAll.reason()).isEqualTo(Reason.NO_MATCHING_FILES);
        assertThat(keys("models--org--no-match/")).isEmpty();
        assertThat(sim.requests()).filteredOn(r -> r.path().contains("/resolve/")).isEmpty();
    }

    @Test
    void aRerunDownloadsNothing() {
        SimRepo repo = sim.model("org/rerun");
        SimCommit c = repo.commit().lfsFile("big.bin", PART + 100, 51).textFile("small.txt", "hello");
        repo.branch("main", c);
        run(spec(RepoType.MODEL, "org/rerun", "main"));
        sim.clearRequests();

        AtomicLong transferred = new AtomicLong();
        MirrorOutcome again = mirror(null, false).mirror(spec(RepoType.MODEL, "org/rerun", "main"),
                new CountingProgress(transferred)).await().atMost(Duration.ofSeconds(30));

        assertThat(again.filesSkipped()).isEqualTo(2);
        assertThat(again.bytesDownloaded()).isZero();
        assertThat(transferred.get()).isZero();
        assertThat(sim.requests()).noneMatch(r -> r.path().contains("/resolve/") || r.listener().equals("cdn"));
    }

    @Test
    void aCorruptedByteFailsTheFileAndLeavesNoObject() {
        SimRepo repo = sim.model("org/corrupt");
        SimCommit c = repo.commit().lfsFile("big.bin", 2 * PART, 61).lfsFile("small.bin", 1000, 62)
                .textFile("ok.txt", "fine");
        repo.branch("main", c);
        sim.faults().corruptByte("big.bin", PART + 17).corruptByte("small.bin", 3);
        try {
            assertThatThrownBy(() -> run(spec(RepoType.MODEL, "org/corrupt", "main")))
                    .satisfies(e -> assertThat(((MirrorException) e).reason()).isEqualTo(Reason.CHECKSUM_MISMATCH))
                    .hasMessageContaining("2 of 3 files");
        } finally {
            sim.faults().clear();
        }
        String snapshot = "models--org--corrupt/snapshots/" + c.sha() + "/";
        assertThat(read(snapshot + "big.bin")).isEmpty();
        assertThat(read(snapshot + "small.bin")).isEmpty();
        assertThat(read(snapshot + "ok.txt")).isPresent();
        assertThat(read("models--org--corrupt/refs/main")).isEmpty();
        assertThat(openUploads()).isZero();
    }

    @Test
    void includeAndExcludeSelectFilesButTheTreeListsEverything() {
        SimRepo repo = sim.model("org/filtered");
        SimCommit c = repo.commit().lfsFile("model.safetensors", 2000, 71).lfsFile("onnx/model.onnx", 2000, 72)
                .textFile("config.json", "{}").textFile("README.md", "r");
        repo.branch("main", c);

        MirrorOutcome outcome = run(new MirrorSpec(RepoRef.model("org/filtered", "main"),
                List.of("*.safetensors", "*.json", "onnx/"), List.of("onnx/")));

        assertThat(outcome.files()).isEqualTo(2);
        String snapshot = "models--org--filtered/snapshots/" + c.sha() + "/";
        assertThat(read(snapshot + "model.safetensors")).isPresent();
        assertThat(read(snapshot + "config.json")).isPresent();
        assertThat(read(snapshot + "onnx/model.onnx")).isEmpty();
        assertThat(read(snapshot + "README.md")).isEmpty();
        assertThat(new String(read("models--org--filtered/trees/" + c.sha() + ".json").orElseThrow(),
                StandardCharsets.US_ASCII)).contains("\"README.md\"", "\"onnx/model.onnx\"");
    }

    @Test
    void aConnectionCutMidFileIsResumedWithRange() {
        SimRepo repo = sim.model("org/cut");
        SimCommit c = repo.commit().lfsFile("big.bin", PART + 4096, 81).regularFile("plain.bin", 300_000, 82);
        repo.branch("main", c);
        sim.faults().cutAfter("big.bin", 1_000_000, 1).cutAfter("plain.bin", 100_000, 1);
        sim.clearRequests();
        try {
            run(spec(RepoType.MODEL, "org/cut", "main"));
        } finally {
            sim.faults().clear();
        }
        assertSnapshot(RepoRef.model("org/cut", "main"), c, List.of("big.bin", "plain.bin"));
        assertThat(sim.requests()).anySatisfy(r -> assertThat(r.headers().get("range")).isEqualTo("bytes=1000000-"
                + (PART - 1)));
    }

    @Test
    void aHub5xxBurstOnAFileIsRetriedAndTheJobSucceeds() {
        // Given: the next three requests touching each file answer 503 / 502 / 500 (resolve and CDN alike)
        SimRepo repo = sim.model("org/burst");
        SimCommit c = repo.commit().lfsFile("w.bin", PART + 10, 111).regularFile("config.json", 2000, 112);
        repo.branch("main", c);
        sim.faults().status("w.bin", 503, 1).status("w.bin", 502, 1).status("w.bin", 500, 1)
                .status("config.json", 503, 3);
        sim.clearRequests();
        try {
            // When
            MirrorOutcome outcome = run(spec(RepoType.MODEL, "org/burst", "main"));

            // Then
            assertThat(outcome.files()).isEqualTo(2);
        } finally {
            sim.faults().clear();
        }
        assertSnapshot(RepoRef.model("org/burst", "main"), c, List.of("w.bin", "config.json"));
        assertThat(sim.requests()).filteredOn(r -> r.status() >= 500).hasSize(6);
        assertThat(openUploads()).isZero();
    }

    @Test
    void aRateLimitedFileWaitsForRetryAfterThenSucceeds() {
        // Given: the Hub answers 429 with Retry-After: 1 to the file's first resolve (max-backoff 2s lets it be
        // honoured; RetrySettingsTest proves the wait is the server's hint)
        SimRepo repo = sim.model("org/limited");
        SimCommit c = repo.commit().lfsFile("w.bin", 3000, 121);
        repo.branch("main", c);
        sim.faults().tooManyRequests("w.bin", 1, 1);
        sim.clearRequests();
        NettyHubClient hub = new NettyHubClient(vertx, Configs.hub(sim.hubUrl(), null,
                Map.of("mirror.hub.max-backoff", "2s")));
        FileTransfers files = new FileTransfers(hub, store(), new BufferPool(64 * MIB),
                new TransferSettings(PART, MIB, 1, 2), TransferObserver.NONE);
        try {
            // When
            MirrorOutcome outcome = new StreamingSnapshotMirror(hub, store(), files, 3, false)
                    .mirror(spec(RepoType.MODEL, "org/limited", "main"), MirrorProgress.NONE)
                    .await().atMost(Duration.ofSeconds(60));

            // Then
            assertThat(outcome.files()).isEqualTo(1);
        } finally {
            sim.faults().clear();
        }
        assertSnapshot(RepoRef.model("org/limited", "main"), c, List.of("w.bin"));
        assertThat(sim.requests()).filteredOn(r -> r.path().contains("/resolve/")).extracting(SimRequest::status)
                .containsExactly(429, 302);
    }

    @Test
    void aSignedUrlThatExpiredMidFileIsResolvedAgainAndTheFileCompletes() {
        // Given: a file of one part (above the single-PUT threshold) whose first signed URL is single-use and whose
        // body is cut, so the resumed Range request meets an expired URL
        long size = 3 * MIB;
        SimRepo repo = sim.model("org/expired");
        SimCommit c = repo.commit().lfsFile("big.bin", size, 131);
        repo.branch("main", c);
        sim.faults().expireSignedUrls("big.bin", 1).cutAfter("big.bin", 500_000, 1);
        sim.clearRequests();
        try {
            // When
            run(spec(RepoType.MODEL, "org/expired", "main"));
        } finally {
            sim.faults().clear();
        }

        // Then: the CDN refused the cached URL as expired, the file was resolved again, and the rest of the part came
        // from the new URL
        assertSnapshot(RepoRef.model("org/expired", "main"), c, List.of("big.bin"));
        assertThat(sim.requests()).filteredOn(r -> r.listener().equals("cdn")).extracting(SimRequest::status)
                .contains(403);
        assertThat(sim.requests()).filteredOn(r -> r.path().contains("/resolve/")).hasSize(2);
        assertThat(sim.requests()).filteredOn(r -> r.listener().equals("cdn") && r.status() == 206)
                .anySatisfy(r -> assertThat(r.headers().get("range")).isEqualTo("bytes=500000-" + (size - 1)));
        assertThat(openUploads()).isZero();
    }

    @Test
    void aFileServedWithTheWrongSizeFailsAndLeavesNothingVisible() {
        // Given: the CDN serves a multipart file 10 bytes longer and a single-PUT file 10 bytes shorter than listed
        SimRepo repo = sim.model("org/wrong-size");
        SimCommit c = repo.commit().lfsFile("long.bin", 2 * PART + 7, 141).lfsFile("short.bin", 5000, 142)
                .textFile("ok.txt", "fine");
        repo.branch("main", c);
        sim.faults().wrongSize("long.bin", 10).wrongSize("short.bin", -10);
        try {
            // When / Then
            assertThatThrownBy(() -> run(spec(RepoType.MODEL, "org/wrong-size", "main")))
                    .satisfies(e -> assertThat(((MirrorException) e).reason()).isEqualTo(Reason.SIZE_MISMATCH))
                    .hasMessageContaining("2 of 3 files");
        } finally {
            sim.faults().clear();
        }
        String snapshot = "models--org--wrong-size/snapshots/" + c.sha() + "/";
        assertThat(read(snapshot + "long.bin")).isEmpty();
        assertThat(read(snapshot + "short.bin")).isEmpty();
        assertThat(read(snapshot + "ok.txt")).isPresent();
        assertThat(read("models--org--wrong-size/refs/main")).isEmpty();
        assertThat(openUploads()).isZero();
    }

    @Test
    void blobsAreServerSideCopiesNamedByEtag() {
        SimRepo repo = sim.model("org/blobs");
        SimCommit c = repo.commit().lfsFile("w.bin", PART + 10, 91).textFile("config.json", "{\"a\":1}");
        repo.branch("main", c);

        mirror(null, true).mirror(spec(RepoType.MODEL, "org/blobs", "main"), MirrorProgress.NONE)
                .await().atMost(Duration.ofSeconds(30));

        assertThat(read("models--org--blobs/blobs/" + c.file("w.bin").sha256())).get()
                .isEqualTo(c.file("w.bin").content());
        assertThat(read("models--org--blobs/blobs/" + c.file("config.json").gitSha1())).get()
                .isEqualTo(c.file("config.json").content());
    }

    StreamingSnapshotMirror mirror(BufferPool budget, int fetches, int uploads, TransferObserver observer) {
        NettyHubClient hub = new NettyHubClient(vertx, Configs.hub(sim.hubUrl(), null, Map.of()));
        FileTransfers files = new FileTransfers(hub, store(), budget,
                new TransferSettings(PART, MIB, fetches, uploads), observer);
        return new StreamingSnapshotMirror(hub, store(), files, 2, false);
    }

    /** The CDN Range requests for an LFS file, by the 0-based part their first byte falls in. */
    static Map<Long, List<String>> rangesByPart(SimFile file) {
        Map<Long, List<String>> byPart = new TreeMap<>();
        for (SimRequest r : sim.requests()) {
            if (r.listener().equals("cdn") && r.path().contains(file.sha256()) && r.header("range") != null) {
                long first = Long.parseLong(r.header("range").replaceAll("bytes=(\\d+)-\\d+", "$1"));
                byPart.computeIfAbsent(first / PART, k -> new ArrayList<>()).add(r.header("range"));
            }
        }
        return byPart;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void partsFetchedInParallelMakeAByteIdenticalObject() {
        // Given: 4 parts and a short tail, fetched 3 at a time (sizes kept small: the GCS fake keeps objects in heap)
        SimRepo repo = sim.model("org/parallel");
        SimCommit c = repo.commit().lfsFile("w.safetensors", 4 * PART + 123, 111);
        repo.branch("main", c);
        SimFile file = c.file("w.safetensors");
        sim.clearRequests();

        // When
        run(spec(RepoType.MODEL, "org/parallel", "main"));

        // Then: same sha256, and every part's exact range was asked for once
        byte[] stored = read(CacheLayout.snapshotFile(RepoRef.model("org/parallel", "main"), c.sha(),
                "w.safetensors")).orElseThrow();
        assertThat(sha256(stored)).isEqualTo(file.sha256());
        Map<Long, List<String>> ranges = rangesByPart(file);
        assertThat(ranges).hasSize(5);
        for (long part = 0; part < 5; part++) {
            long end = Math.min((part + 1) * PART, file.size()) - 1;
            assertThat(ranges.get(part)).containsExactly("bytes=" + part * PART + "-" + end);
        }
        assertThat(openUploads()).isZero();
    }

    @Test
    void aPartWhoseFetchIsCutMidRangeIsRetriedAlone() {
        // Given: the first CDN answer for the file (whichever part it is) stops after 1,000,000 bytes
        SimRepo repo = sim.model("org/part-cut");
        SimCommit c = repo.commit().lfsFile("w.bin", 3 * PART, 112);
        repo.branch("main", c);
        SimFile file = c.file("w.bin");
        sim.faults().cutAfter("w.bin", 1_000_000, 1);
        sim.clearRequests();
        try {
            run(spec(RepoType.MODEL, "org/part-cut", "main"));
        } finally {
            sim.faults().clear();
        }

        // Then: one part was asked for twice (its rest only), every other part once
        assertSnapshot(RepoRef.model("org/part-cut", "main"), c, List.of("w.bin"));
        Map<Long, List<String>> ranges = rangesByPart(file);
        assertThat(ranges).hasSize(3);
        List<Long> retried = ranges.entrySet().stream().filter(e -> e.getValue().size() > 1).map(Map.Entry::getKey)
                .toList();
        assertThat(retried).hasSize(1);
        long part = retried.get(0);
        long end = (part + 1) * PART - 1;
        assertThat(ranges.get(part)).containsExactly("bytes=" + part * PART + "-" + end,
                "bytes=" + (part * PART + 1_000_000) + "-" + end);
        ranges.forEach((p, r) -> {
            if (p != part) {
                assertThat(r).hasSize(1);
            }
        });
    }

    @Test
    void wrongBytesInOnePartFailTheFileAndNothingIsVisible() {
        // Given: one flipped byte in the third of four parts
        SimRepo repo = sim.model("org/bad-part");
        SimCommit c = repo.commit().lfsFile("w.bin", 4 * PART, 113);
        repo.branch("main", c);
        sim.faults().corruptByte("w.bin", 2 * PART + 5);
        BufferPool budget = new BufferPool(64 * MIB);
        try {
            assertThatThrownBy(() -> mirror(budget, 3, 2, TransferObserver.NONE).mirror(spec(RepoType.MODEL,
                    "org/bad-part", "main"), MirrorProgress.NONE).await().atMost(Duration.ofSeconds(60)))
                    .satisfies(e -> assertThat(((MirrorException) e).reason()).isEqualTo(Reason.CHECKSUM_MISMATCH));
        } finally {
            sim.faults().clear();
        }

        // Then
        assertThat(keys("models--org--bad-part/")).isEmpty();
        assertThat(openUploads()).isZero();
        assertThat(budget.inUse()).isZero();
    }

    @Test
    void aSmallBudgetBoundsEveryBufferOfAManyPartFileAndTheGaugeFollowsIt() {
        // Given: 4 fetches + 2 uploads would want 6 buffers, the budget holds 3; two files compete for it
        SimRepo repo = sim.model("org/budget");
        SimCommit c = repo.commit().lfsFile("a.bin", 5 * PART + 7, 114).lfsFile("b.bin", 3 * PART, 115);
        repo.branch("main", c);
        BufferPool budget = new BufferPool(3 * PART);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MicrometerTransferObserver observer = new MicrometerTransferObserver(registry, store().kind(), budget);
        AtomicLong gaugeMax = new AtomicLong();
        MirrorProgress progress = new MirrorProgress() {
            @Override
            public void planned(String commit, int files, long total) {
            }

            @Override
            public void transferred(long n) {
                gaugeMax.accumulateAndGet((long) registry.get(MetricNames.BUFFER_USED).gauge().value(), Math::max);
            }

            @Override
            public void fileDone(String path, long size, boolean skipped) {
            }
        };

        // When
        mirror(budget, 4, 2, observer).mirror(spec(RepoType.MODEL, "org/budget", "main"), progress)
                .await().atMost(Duration.ofSeconds(120));

        // Then
        assertSnapshot(RepoRef.model("org/budget", "main"), c, List.of("a.bin", "b.bin"));
        assertThat(budget.peak()).isPositive().isLessThanOrEqualTo(3 * PART);
        assertThat(gaugeMax.get()).isPositive().isLessThanOrEqualTo(3 * PART);
        assertThat(budget.inUse()).isZero();
        assertThat(registry.get(MetricNames.BUFFER_USED).gauge().value()).isZero();
    }

    @Test
    void cancellingMidFileReleasesEveryReservationAndLeavesNoUpload() {
        // Given: an 8-part file; the job is cancelled once 2 parts' worth of bytes arrived
        SimRepo repo = sim.model("org/cancel");
        SimCommit c = repo.commit().lfsFile("w.bin", 8 * PART, 116);
        repo.branch("main", c);
        BufferPool budget = new BufferPool(8 * PART);
        AtomicReference<Cancellable> job = new AtomicReference<>();
        AtomicLong received = new AtomicLong();
        AtomicLong heldAtCancel = new AtomicLong(-1);
        MirrorProgress cancelling = new MirrorProgress() {
            @Override
            public void planned(String commit, int files, long total) {
            }

            @Override
            public void transferred(long n) {
                if (received.addAndGet(n) >= 2 * PART && heldAtCancel.compareAndSet(-1, budget.inUse())) {
                    job.get().cancel();
                }
            }

            @Override
            public void fileDone(String path, long size, boolean skipped) {
            }
        };
        AtomicReference<Object> ended = new AtomicReference<>();

        // When
        job.set(mirror(budget, 4, 2, TransferObserver.NONE).mirror(spec(RepoType.MODEL, "org/cancel", "main"),
                cancelling).subscribe().with(ended::set, ended::set));

        // Then: buffers were held when it was cancelled, all are back, the upload is gone, nothing is visible
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(heldAtCancel.get()).isPositive();
            assertThat(budget.inUse()).isZero();
            assertThat(openUploads()).isZero();
        });
        assertThat(ended.get()).isNull();
        assertThat(keys("models--org--cancel/")).isEmpty();
    }

    private record CountingProgress(AtomicLong bytes) implements MirrorProgress {
        @Override
        public void planned(String commit, int files, long total) {
        }

        @Override
        public void transferred(long n) {
            bytes.addAndGet(n);
        }

        @Override
        public void fileDone(String path, long size, boolean skipped) {
        }
    }
}
