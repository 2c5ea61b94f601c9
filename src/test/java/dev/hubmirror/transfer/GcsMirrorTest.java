package dev.hubmirror.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.hubmirror.failure.RetrySettings;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.hub.RepoType;
import dev.hubmirror.sim.SimCommit;
import dev.hubmirror.sim.SimRepo;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.StoreLocation;
import dev.hubmirror.store.gcs.FakeGcsServer;
import dev.hubmirror.store.gcs.GcsObjectStore;
import dev.hubmirror.testing.Configs;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The mirror scenarios into GCS: the real GCS client against an in-test fake of the JSON API and its resumable
 * upload protocol (no GCS emulator exists here), checked byte for byte.
 */
class GcsMirrorTest extends MirrorScenarios {

    static final String BUCKET = "mirror";
    static FakeGcsServer gcs;
    static GcsObjectStore store;

    @BeforeAll
    static void startGcs() {
        gcs = FakeGcsServer.start();
        store = new GcsObjectStore(StoreLocation.parse("gs://" + BUCKET + "/weights"), Configs.store(Map.of(
                "mirror.store.gcs.host", gcs.host(), "mirror.store.gcs.anonymous", "true",
                "mirror.store.gcs.project-id", "test", "mirror.store.gcs.chunk-size", "1M")).gcs(), vertx);
    }

    @AfterAll
    static void stopGcs() {
        store.close();
        gcs.close();
        // the fake keeps every object and upload session in heap: let it go before the next test class runs
        store = null;
        gcs = null;
    }

    @Test
    void aFileWhoseResumableSessionExpiresStartsAgainFromItsFirstByte() {
        // Given: an LFS file of 3 parts (1 MiB chunks), and its session expiring at the upload's fourth chunk
        SimRepo repo = sim.model("org/gcs-expired-session");
        SimCommit c = repo.commit().lfsFile("model.safetensors", 2 * PART + 1, 41).regularFile("config.json", 300, 42);
        repo.branch("main", c);
        gcs.expireSessionAtChunk(gcs.chunkRequests() + 4);
        RepoRef ref = RepoRef.model("org/gcs-expired-session", "main");
        AtomicLong reported = new AtomicLong();

        // When
        MirrorOutcome outcome = mirror(null, false, new RetrySettings(3, Duration.ofMillis(10), Duration.ofMillis(10 * 4), 0))
                .mirror(spec(RepoType.MODEL, "org/gcs-expired-session", "main"), progress(reported))
                .await().atMost(Duration.ofSeconds(60));

        // Then: the file was sent twice (the first session expired), the object is whole, progress counted it once
        assertThat(outcome.files()).isEqualTo(2);
        assertSnapshot(ref, c, List.of("model.safetensors", "config.json"));
        String name = "weights/" + CacheLayout.snapshotFile(ref, c.sha(), "model.safetensors");
        assertThat(gcs.sessions().stream().filter(s -> s.name().equals(name)).count()).isEqualTo(2);
        assertThat(reported).hasValue(2 * PART + 1 + 300);
        assertThat(openUploads()).isZero();
    }

    @Test
    void aFileWhoseSessionKeepsExpiringFailsTheSnapshotWithoutRefs() {
        // Given: one attempt only
        SimRepo repo = sim.model("org/gcs-expired-once");
        SimCommit c = repo.commit().lfsFile("model.safetensors", 2 * PART + 1, 43);
        repo.branch("main", c);
        gcs.expireSessionAtChunk(gcs.chunkRequests() + 2);

        // When
        Throwable failure = catchThrowable(() -> mirror(null, false, RetrySettings.NONE)
                .mirror(spec(RepoType.MODEL, "org/gcs-expired-once", "main"), MirrorProgress.NONE)
                .await().atMost(Duration.ofSeconds(60)));

        // Then
        assertThat(failure).isInstanceOf(MirrorException.class).hasMessageContaining("restart the file")
                .hasMessageContaining("refs/main was not written");
        assertThat(((MirrorException) failure).retriable()).isTrue();
        assertThat(read("models--org--gcs-expired-once/refs/main")).isEmpty();
        assertThat(read("models--org--gcs-expired-once/snapshots/" + c.sha() + "/model.safetensors")).isEmpty();
    }

    private static MirrorProgress progress(AtomicLong reported) {
        return new MirrorProgress() {
            @Override
            public void planned(String commit, int files, long bytes) {
            }

            @Override
            public void transferred(long bytes) {
                reported.addAndGet(bytes);
            }

            @Override
            public void fileDone(String path, long size, boolean skipped) {
            }
        };
    }

    @Override
    ObjectStore store() {
        return store;
    }

    @Override
    Optional<byte[]> read(String key) {
        return gcs.object(BUCKET, "weights/" + key).map(FakeGcsServer.StoredBlob::content);
    }

    @Override
    List<String> keys(String prefix) {
        return gcs.objectNames().stream().filter(n -> n.startsWith(BUCKET + "/weights/" + prefix)
                || n.startsWith("weights/" + prefix)).toList();
    }

    @Override
    List<String> outsideThePrefix() {
        return gcs.objectNames().stream().filter(n -> !n.startsWith(BUCKET + "/weights/")).toList();
    }

    @Override
    int openUploads() {
        return (int) gcs.sessions().stream().filter(FakeGcsServer.Session::open).count();
    }
}
