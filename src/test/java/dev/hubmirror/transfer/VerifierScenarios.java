package dev.hubmirror.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hubmirror.memory.BufferPool;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.hub.NettyHubClient;
import dev.hubmirror.sim.HubSimulator;
import dev.hubmirror.sim.SimCommit;
import dev.hubmirror.sim.SimRepo;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.StoredObject;
import dev.hubmirror.testing.Configs;
import dev.hubmirror.transfer.SnapshotReport.FileProblem;
import dev.hubmirror.transfer.SnapshotReport.Problem;
import dev.hubmirror.transfer.SnapshotReport.RefState;
import dev.hubmirror.transfer.SnapshotReport.Status;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link SnapshotVerifier} on snapshots mirrored from the Hub simulator into a real store, then tampered with through
 * the store port; subclasses provide the store. Each test uses its own repo id.
 */
abstract class VerifierScenarios {

    static final long MIB = 1024 * 1024;
    static Vertx vertx;
    static HubSimulator sim;

    abstract ObjectStore store();

    @BeforeAll
    static void startSimulator() {
        vertx = Vertx.vertx();
        sim = HubSimulator.start();
    }

    @AfterAll
    static void stopSimulator() {
        sim.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    /** A repo with a multi-part LFS file, a regular file and a file in a folder, mirrored whole. */
    SimCommit mirrored(String id, List<String> include) {
        SimRepo repo = sim.model(id);
        SimCommit c = repo.commit().lfsFile("model.safetensors", 2 * MIB + 3, 1).regularFile("config.json", 300, 2)
                .textFile("onnx/model.onnx", "onnx");
        repo.branch("main", c);
        NettyHubClient hub = new NettyHubClient(vertx, Configs.hub(sim.hubUrl(), null, Map.of()));
        FileTransfers files = new FileTransfers(hub, store(), new BufferPool(16 * MIB),
                new TransferSettings(5 * MIB, MIB, 1, 2), TransferObserver.NONE);
        new StreamingSnapshotMirror(hub, store(), files, 2, false)
                .mirror(new MirrorSpec(RepoRef.model(id, "main"), include, List.of()), MirrorProgress.NONE)
                .await().atMost(Duration.ofSeconds(60));
        return c;
    }

    SnapshotReport verify(VerifySpec spec) {
        return new SnapshotVerifier(store(), 4, 100).verify(spec).await().atMost(Duration.ofSeconds(60));
    }

    SnapshotReport verify(String id) {
        return verify(new VerifySpec(RepoRef.model(id, "main")));
    }

    SnapshotReport verifyDeep(String id) {
        return verify(new VerifySpec(RepoRef.model(id, "main"), Optional.empty(), List.of(), List.of(), true));
    }

    static String key(String id, SimCommit c, String path) {
        return CacheLayout.snapshotFile(RepoRef.model(id, "main"), c.sha(), path);
    }

    byte[] read(String key) {
        return store().read(key).collect().in(ByteArrayOutputStream::new, (out, chunk) -> {
            byte[] b = new byte[chunk.remaining()];
            chunk.duplicate().get(b);
            out.write(b, 0, b.length);
        }).await().atMost(Duration.ofSeconds(30)).toByteArray();
    }

    Map<String, String> metadata(String key) {
        return store().stat(key).await().atMost(Duration.ofSeconds(30)).map(StoredObject::metadata).orElseThrow();
    }

    void put(String key, byte[] content, Map<String, String> metadata) {
        store().put(key, ByteBuffer.wrap(content), metadata).await().atMost(Duration.ofSeconds(30));
    }

    @Test
    void aMirroredSnapshotIsCompleteByStatAndByRehashing() {
        // Given
        SimCommit c = mirrored("org/v-complete", List.of());

        // When
        SnapshotReport stat = verify("org/v-complete");
        SnapshotReport deep = verifyDeep("org/v-complete");

        // Then
        for (SnapshotReport report : List.of(stat, deep)) {
            assertThat(report.status()).isEqualTo(Status.COMPLETE);
            assertThat(report.complete()).isTrue();
            assertThat(report.commit()).isEqualTo(c.sha());
            assertThat(report.refState()).isEqualTo(RefState.PRESENT);
            assertThat(report.treePresent()).isTrue();
            assertThat(report.filesExpected()).isEqualTo(3);
            assertThat(report.filesVerified()).isEqualTo(3);
            assertThat(report.bytesExpected()).isEqualTo(2 * MIB + 3 + 300 + 4);
            assertThat(report.missing()).isEmpty();
            assertThat(report.wrong()).isEmpty();
            assertThat(report.problems()).isEmpty();
            assertThat(report.snapshotUrl()).isEqualTo(store().url("models--org--v-complete/snapshots/" + c.sha() + "/"));
        }
        assertThat(deep.deep()).isTrue();
    }

    @Test
    void aDeletedFileIsListedAsMissing() {
        // Given
        SimCommit c = mirrored("org/v-deleted", List.of());
        store().delete(key("org/v-deleted", c, "onnx/model.onnx")).await().atMost(Duration.ofSeconds(30));

        // When
        SnapshotReport report = verify("org/v-deleted");

        // Then
        assertThat(report.status()).isEqualTo(Status.INCOMPLETE);
        assertThat(report.missing()).extracting(FileProblem::path).containsExactly("onnx/model.onnx");
        assertThat(report.missing().get(0).problem()).isEqualTo(Problem.MISSING);
        assertThat(report.missingCount()).isEqualTo(1);
        assertThat(report.filesVerified()).isEqualTo(2);
    }

    @Test
    void aFileOfAnotherSizeIsListedAsWrong() {
        // Given: config.json replaced by a shorter object that still claims the right hash
        SimCommit c = mirrored("org/v-size", List.of());
        String key = key("org/v-size", c, "config.json");
        put(key, "{}".getBytes(StandardCharsets.UTF_8), metadata(key));

        // When
        SnapshotReport report = verify("org/v-size");

        // Then
        assertThat(report.status()).isEqualTo(Status.INCOMPLETE);
        assertThat(report.wrong()).singleElement().satisfies(p -> {
            assertThat(p.path()).isEqualTo("config.json");
            assertThat(p.problem()).isEqualTo(Problem.WRONG_SIZE);
            assertThat(p.expectedSize()).isEqualTo(300);
            assertThat(p.actualSize()).isEqualTo(2);
        });
    }

    @Test
    void bytesCorruptedBehindTheRecordedHashPassStatButFailDeep() {
        // Given: the LFS file overwritten with the same size and the original metadata, one byte flipped
        SimCommit c = mirrored("org/v-flipped", List.of());
        String key = key("org/v-flipped", c, "model.safetensors");
        byte[] bytes = read(key);
        bytes[12345] ^= 1;
        put(key, bytes, metadata(key));

        // When
        SnapshotReport stat = verify("org/v-flipped");
        SnapshotReport deep = verifyDeep("org/v-flipped");

        // Then
        assertThat(stat.status()).isEqualTo(Status.COMPLETE);
        assertThat(deep.status()).isEqualTo(Status.INCOMPLETE);
        assertThat(deep.wrong()).singleElement().satisfies(p -> {
            assertThat(p.problem()).isEqualTo(Problem.WRONG_HASH);
            assertThat(p.expectedHash()).isEqualTo(c.file("model.safetensors").sha256());
            assertThat(p.actualHash()).isNotEqualTo(p.expectedHash()).hasSize(64);
        });
    }

    @Test
    void filesCopiedWithoutARecordedHashAreUnverifiedUntilRehashed() {
        // Given: a file rewritten with its bytes but without metadata, as `aws s3 sync` would copy it
        SimCommit c = mirrored("org/v-synced", List.of());
        String key = key("org/v-synced", c, "config.json");
        put(key, read(key), Map.of());

        // When
        SnapshotReport stat = verify("org/v-synced");
        SnapshotReport deep = verifyDeep("org/v-synced");

        // Then
        assertThat(stat.status()).isEqualTo(Status.UNVERIFIED);
        assertThat(stat.unverified()).extracting(FileProblem::path).containsExactly("config.json");
        assertThat(stat.filesVerified()).isEqualTo(2);
        assertThat(deep.status()).isEqualTo(Status.COMPLETE);
    }

    @Test
    void aMissingRefWithoutACommitIsNotMirroredAndANamedCommitStillChecksTheFiles() {
        // Given
        SimCommit c = mirrored("org/v-noref", List.of());
        store().delete("models--org--v-noref/refs/main").await().atMost(Duration.ofSeconds(30));

        // When
        SnapshotReport withoutCommit = verify("org/v-noref");
        SnapshotReport withCommit = verify(new VerifySpec(RepoRef.model("org/v-noref", "main"), Optional.of(c.sha()),
                List.of(), List.of(), false));

        // Then
        assertThat(withoutCommit.status()).isEqualTo(Status.NOT_MIRRORED);
        assertThat(withoutCommit.complete()).isFalse();
        assertThat(withoutCommit.refState()).isEqualTo(RefState.MISSING);
        assertThat(withoutCommit.commit()).isNull();
        assertThat(withoutCommit.problems()).singleElement().asString().contains("refs/main is missing");
        assertThat(withCommit.status()).isEqualTo(Status.INCOMPLETE);
        assertThat(withCommit.filesVerified()).isEqualTo(3);
    }

    @Test
    void aRevisionNeverMirroredIntoThisStoreIsNotMirroredNotIncompleteWithNothingMissing() {
        // Given: nothing at all for these repos in the store
        String commit = "0123456789abcdef0123456789abcdef01234567";

        // When
        SnapshotReport byBranch = verify("org/v-never");
        SnapshotReport byCommit = verify(new VerifySpec(RepoRef.model("org/v-never", commit), Optional.empty(),
                List.of(), List.of(), false));
        SnapshotReport byNamedCommit = verify(new VerifySpec(RepoRef.model("org/v-never", "main"),
                Optional.of(commit), List.of(), List.of(), false));

        // Then
        assertThat(byBranch.status()).isEqualTo(Status.NOT_MIRRORED);
        assertThat(byBranch.filesExpected()).isZero();
        assertThat(byBranch.problems()).singleElement().asString().contains("refs/main is missing", "Mirror it");
        assertThat(byCommit.status()).isEqualTo(Status.NOT_MIRRORED);
        assertThat(byCommit.refState()).isEqualTo(RefState.NOT_NEEDED);
        assertThat(byNamedCommit.status()).isEqualTo(Status.NOT_MIRRORED);
        assertThat(byNamedCommit.problems()).anySatisfy(p -> assertThat(p).contains("trees/" + commit + ".json"));
    }

    @Test
    void aRefWithATrailingNewlineIsMalformedAndAMissingTreeIsIncomplete() {
        // Given
        SimCommit c = mirrored("org/v-newline", List.of());
        put("models--org--v-newline/refs/main", (c.sha() + "\n").getBytes(StandardCharsets.US_ASCII), Map.of());
        store().delete(CacheLayout.tree(RepoRef.model("org/v-newline", "main"), c.sha()))
                .await().atMost(Duration.ofSeconds(30));

        // When
        SnapshotReport report = verify("org/v-newline");

        // Then
        assertThat(report.status()).isEqualTo(Status.INCOMPLETE);
        assertThat(report.refState()).isEqualTo(RefState.MALFORMED);
        assertThat(report.commit()).isEqualTo(c.sha());
        assertThat(report.treePresent()).isFalse();
        assertThat(report.problems()).hasSize(2).anySatisfy(p -> assertThat(p).contains("newline"))
                .anySatisfy(p -> assertThat(p).contains("trees/" + c.sha() + ".json is missing"));
    }

    @Test
    void thePatternsOfTheMirrorSelectWhatMustBeThere() {
        // Given: only the safetensors and json files were mirrored; the tree lists all three
        SimCommit c = mirrored("org/v-filtered", List.of("*.safetensors", "*.json"));

        // When
        SnapshotReport all = verify("org/v-filtered");
        SnapshotReport same = verify(new VerifySpec(RepoRef.model("org/v-filtered", "main"), Optional.empty(),
                List.of("*.safetensors", "*.json"), List.of(), false));
        SnapshotReport byCommit = verify(new VerifySpec(RepoRef.model("org/v-filtered", c.sha()), Optional.empty(),
                List.of(), List.of("onnx/"), false));

        // Then
        assertThat(all.status()).isEqualTo(Status.INCOMPLETE);
        assertThat(all.missing()).extracting(FileProblem::path).containsExactly("onnx/model.onnx");
        assertThat(same.status()).isEqualTo(Status.COMPLETE);
        assertThat(same.filesExpected()).isEqualTo(2);
        assertThat(byCommit.status()).isEqualTo(Status.COMPLETE);
        assertThat(byCommit.refState()).isEqualTo(RefState.NOT_NEEDED);
    }
}
