package dev.hubmirror.transfer;

import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.StoreLocation;
import dev.hubmirror.store.fs.FilesystemObjectStore;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The verifier scenarios on a directory store. */
class FilesystemVerifierTest extends VerifierScenarios {

    @TempDir
    static Path root;
    static FilesystemObjectStore store;

    @BeforeAll
    static void openStore() {
        store = new FilesystemObjectStore(StoreLocation.parse(root.toUri().toString()), vertx);
    }

    @AfterAll
    static void closeStore() {
        store.close();
    }

    @Override
    ObjectStore store() {
        return store;
    }
}
