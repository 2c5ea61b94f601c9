package dev.hubmirror.transfer;

import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.StoreLocation;
import dev.hubmirror.store.fs.FilesystemObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The mirror scenarios into a directory store (the embedded default). */
class FilesystemMirrorTest extends MirrorScenarios {

    /** Holds the store's root and nothing else: whatever else appears here was written outside the prefix. */
    @TempDir
    static Path parent;
    static Path root;
    static FilesystemObjectStore store;

    @BeforeAll
    static void openStore() throws IOException {
        root = Files.createDirectories(parent.resolve("store"));
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

    @Override
    Optional<byte[]> read(String key) {
        Path p = root.resolve(key);
        try {
            return Files.isRegularFile(p) ? Optional.of(Files.readAllBytes(p)) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    List<String> keys(String prefix) {
        Path dir = root.resolve(prefix);
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    List<String> outsideThePrefix() {
        try (Stream<Path> files = Files.walk(parent)) {
            return files.filter(p -> !p.equals(parent) && !p.startsWith(root)).map(Path::toString).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    int openUploads() {
        // temp files of unfinished uploads are hidden files next to their destination
        try (Stream<Path> files = Files.walk(root)) {
            return (int) files.filter(p -> p.getFileName().toString().endsWith(".part")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
