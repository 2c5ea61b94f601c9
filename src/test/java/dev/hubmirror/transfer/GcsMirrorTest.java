package dev.hubmirror.transfer;

import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.StoreLocation;
import dev.hubmirror.store.gcs.FakeGcsServer;
import dev.hubmirror.store.gcs.GcsObjectStore;
import dev.hubmirror.testing.Configs;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

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
    int openUploads() {
        return (int) gcs.sessions().stream().filter(FakeGcsServer.Session::open).count();
    }
}
