package dev.hubmirror.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.hub.RepoType;
import dev.hubmirror.sim.SimCommit;
import dev.hubmirror.sim.SimRepo;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.StoreLocation;
import dev.hubmirror.store.fs.FilesystemObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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
        // temp files of unfinished uploads live under the store's own folder, never beside a key
        Path temps = root.resolve(".hub-mirror/tmp");
        if (!Files.exists(temps)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(temps)) {
            return (int) files.filter(Files::isRegularFile).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aRepoFileNamedLikeATempFileSurvivesALaterRunOnTheSameCommit() {
        // Given: a mirrored snapshot whose repo ships a file named exactly like the store's temp files
        String lookalike = ".config.json.0123456789abcdef.part";
        SimRepo repo = sim.model("org/temp-lookalike");
        SimCommit c = repo.commit().textFile("config.json", "{}").textFile(lookalike, "real content")
                .textFile("sub/.w.bin.fedcba9876543210.part", "also real");
        repo.branch("main", c);
        run(spec(RepoType.MODEL, "org/temp-lookalike", "main"));
        RepoRef ref = RepoRef.model("org/temp-lookalike", "main");

        // When: a later job on the same commit that selects only config.json (it sweeps orphaned uploads first)
        run(new MirrorSpec(ref, List.of("config.json"), List.of()));

        // Then: the look-alike files are still there, byte for byte, while refs/main points at the snapshot
        assertSnapshot(ref, c, List.of("config.json", lookalike, "sub/.w.bin.fedcba9876543210.part"));
        assertThat(read("models--org--temp-lookalike/refs/main")).hasValueSatisfying(
                b -> assertThat(new String(b, StandardCharsets.US_ASCII)).isEqualTo(c.sha()));
        assertThat(openUploads()).isZero();
    }
}
