package dev.hubmirror.store.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.store.MultipartUpload;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.ObjectStoreContract;
import dev.hubmirror.store.Part;
import dev.hubmirror.store.PartReceipt;
import dev.hubmirror.store.StoreException;
import dev.hubmirror.store.StoreLocation;
import dev.hubmirror.store.StoredObject;
import dev.hubmirror.store.fs.FilesystemObjectStore.MetadataMode;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The directory store: the store contract, and what is its own (temp files, metadata modes, links, the sweeper). */
class FilesystemObjectStoreTest extends ObjectStoreContract {

    private static Vertx vertx;

    @TempDir
    Path root;

    private final List<FilesystemObjectStore> stores = new ArrayList<>();
    /** The store the contract's tests use, one per test. */
    private FilesystemObjectStore contractStore;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @AfterEach
    void closeStores() {
        stores.forEach(FilesystemObjectStore::close);
    }

    private FilesystemObjectStore store(MetadataMode mode) {
        return store(mode, true);
    }

    private FilesystemObjectStore store(MetadataMode mode, boolean linkCopies) {
        FilesystemObjectStore store = new FilesystemObjectStore(
                StoreLocation.parse(root.toUri().toString()), vertx, 4, mode, linkCopies);
        stores.add(store);
        return store;
    }

    /** A new store over the test's root (two of them stand for two instances). */
    private FilesystemObjectStore newStore() {
        return store(MetadataMode.DETECT);
    }

    @Override
    protected ObjectStore store() {
        if (contractStore == null) {
            contractStore = newStore();
        }
        return contractStore;
    }

    @Override
    protected Optional<byte[]> stored(String key) {
        Path file = root.resolve(key);
        try {
            return Files.isRegularFile(file) ? Optional.of(Files.readAllBytes(file)) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected List<String> storedKeys() {
        try {
            return filesUnder(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> filesUnder(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void abortUploadsDeletesTempFilesACrashedInstanceLeftButNotThoseInFlightHere() throws IOException {
        // Given: an instance that "crashed" with two uploads open (one with a part written), this instance with one
        // in flight, and a visible file
        FilesystemObjectStore crashed = newStore();
        FilesystemObjectStore store = newStore();
        MultipartUpload orphan = await(crashed.beginUpload("models--a--b/snapshots/c0/w.bin", 10, SHA));
        await(orphan.uploadPart(new Part(1, 0, ByteBuffer.wrap(bytes(4, 1)))));
        await(crashed.beginUpload("models--a--b/snapshots/c0/dir/x.bin", 10, SHA));
        await(crashed.beginUpload("models--a--b/snapshots/c1/w.bin", 10, SHA));
        MultipartUpload own = await(store.beginUpload("models--a--b/snapshots/c0/own.bin", 3, SHA));
        await(store.put("models--a--b/snapshots/c0/visible.txt", ByteBuffer.wrap(bytes(5, 2)), Map.of()));
        Path snapshot = root.resolve("models--a--b/snapshots/c0");
        Path temps = root.resolve(".hub-mirror/tmp/models--a--b/snapshots/c0");
        assertThat(filesUnder(snapshot)).containsExactly("visible.txt");
        assertThat(filesUnder(temps)).hasSize(3);

        // When
        int aborted = await(store.abortUploads("models--a--b/snapshots/c0/"));

        // Then
        assertThat(aborted).isEqualTo(2);
        assertThat(filesUnder(temps)).containsExactly(own.id());
        assertThat(filesUnder(root.resolve(".hub-mirror/tmp/models--a--b/snapshots/c1"))).hasSize(1);
        await(own.uploadPart(new Part(1, 0, ByteBuffer.wrap(bytes(3, 3)))));
        await(own.complete(List.of(new PartReceipt(1, 0, 3, "0+3"))));
        assertThat(filesUnder(snapshot)).containsExactly("own.bin", "visible.txt");
        assertThat(filesUnder(temps)).isEmpty();
        assertThat(await(store.abortUploads("models--a--b/snapshots/c1/w.bin"))).isEqualTo(1);
        assertThat(filesUnder(root.resolve(".hub-mirror/tmp/models--a--b/snapshots/c1"))).isEmpty();
        assertThat(await(store.abortUploads("models--a--b/snapshots/none/"))).isZero();
        // the upload whose temp file was removed fails retriably: its file may start again
        Throwable late = catchThrowable(() -> await(orphan.uploadPart(new Part(2, 4, ByteBuffer.wrap(bytes(6, 4))))));
        assertThat(late).isInstanceOf(StoreException.class).hasMessageContaining("start the file again");
        assertThat(((StoreException) late).retriable()).isTrue();
    }

    @Test
    void writesPartsUploadedOutOfOrderAtTheirOffsets() throws IOException {
        // Given
        FilesystemObjectStore store = newStore();
        byte[] content = bytes(10_000, 1);
        List<Part> parts = parts(content, 1_000);
        Collections.shuffle(parts, new Random(7));
        MultipartUpload upload = await(store.beginUpload("models--a--b/blobs/x", content.length, SHA));

        // When
        List<PartReceipt> receipts = new ArrayList<>();
        for (Part part : parts) {
            receipts.add(await(upload.uploadPart(part)));
        }
        await(upload.complete(receipts));

        // Then
        assertThat(Files.readAllBytes(root.resolve("models--a--b/blobs/x"))).isEqualTo(content);
        assertThat(filesUnder(root.resolve("models--a--b"))).containsExactly("blobs/x");
    }

    @Test
    void writesPartsOfOneUploadConcurrently() throws IOException {
        // Given
        FilesystemObjectStore store = newStore();
        byte[] content = bytes(64 * 1024 + 3, 2);
        MultipartUpload upload = await(store.beginUpload("big.bin", content.length, Map.of()));

        // When
        List<PartReceipt> receipts = Uni.join()
                .all(parts(content, 4096).stream().map(upload::uploadPart).toList())
                .andFailFast()
                .await().atMost(TIMEOUT);
        await(upload.complete(receipts));

        // Then
        assertThat(Files.readAllBytes(root.resolve("big.bin"))).isEqualTo(content);
    }

    @Test
    void showsNothingUnderTheKeyUntilComplete() throws IOException {
        // Given
        FilesystemObjectStore store = newStore();
        byte[] content = bytes(3_000, 3);
        MultipartUpload upload = await(store.beginUpload("dir/file.safetensors", content.length, SHA));
        List<PartReceipt> receipts = new ArrayList<>();
        for (Part part : parts(content, 1_000)) {
            receipts.add(await(upload.uploadPart(part)));
        }

        // When
        Optional<StoredObject> beforeComplete = await(store.stat("dir/file.safetensors"));

        // Then
        assertThat(beforeComplete).isEmpty();
        assertThat(Files.exists(root.resolve("dir/file.safetensors"))).isFalse();
        assertThat(filesUnder(root.resolve("dir"))).isEmpty();
        assertThat(filesUnder(root.resolve(".hub-mirror/tmp/dir"))).singleElement()
                .satisfies(name -> assertThat(name).startsWith(".file.safetensors.").endsWith(".part"));
        assertThat(upload.id()).startsWith(".file.safetensors.");

        await(upload.complete(receipts));
        assertThat(await(store.stat("dir/file.safetensors"))).hasValueSatisfying(o -> assertThat(o.size()).isEqualTo(3_000));
    }

    @Test
    void abortLeavesNeitherTheFileNorTheTempFile() throws IOException {
        // Given
        FilesystemObjectStore store = newStore();
        byte[] content = bytes(2_000, 4);
        MultipartUpload upload = await(store.beginUpload("dir/aborted.bin", content.length, SHA));
        await(upload.uploadPart(parts(content, 1_000).get(0)));

        // When
        await(upload.abort());
        await(upload.abort());

        // Then
        assertThat(filesUnder(root.resolve("dir"))).isEmpty();
        assertThat(await(store.stat("dir/aborted.bin"))).isEmpty();
        Throwable late = catchThrowable(() -> await(upload.uploadPart(parts(content, 1_000).get(1))));
        assertThat(late).isInstanceOf(StoreException.class).hasMessageContaining("dir/aborted.bin");
    }

    @Test
    void refusesToCompleteWhenThePartsLeaveAHole() throws IOException {
        // Given
        FilesystemObjectStore store = newStore();
        byte[] content = bytes(3_000, 5);
        List<Part> parts = parts(content, 1_000);
        MultipartUpload upload = await(store.beginUpload("holey.bin", content.length, SHA));
        PartReceipt first = await(upload.uploadPart(parts.get(0)));
        PartReceipt last = await(upload.uploadPart(parts.get(2)));

        // When
        Throwable failure = catchThrowable(() -> await(upload.complete(List.of(last, first))));

        // Then
        assertThat(failure).isInstanceOf(StoreException.class).hasMessageContaining("holey.bin");
        assertThat(Files.exists(root.resolve("holey.bin"))).isFalse();
        await(upload.abort());
        assertThat(filesUnder(root)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = MetadataMode.class, names = {"XATTR", "SIDECAR", "DETECT"})
    void returnsTheMetadataWrittenWithTheObjectFromStat(MetadataMode mode) throws IOException {
        // Given
        assumeXattrsWhen(mode);
        FilesystemObjectStore store = store(mode);
        byte[] content = bytes(1_500, 6);
        MultipartUpload upload = await(store.beginUpload("m/obj", content.length,
                Map.of("Hub-Mirror-Sha256", "deadbeef", "hub-mirror-source", "BAAI/bge-m3@abc")));
        List<PartReceipt> receipts = new ArrayList<>();
        for (Part part : parts(content, 1_000)) {
            receipts.add(await(upload.uploadPart(part)));
        }
        await(upload.complete(receipts));
        await(store.put("m/small", ByteBuffer.wrap("x".getBytes(StandardCharsets.UTF_8)), Map.of("k", "välue")));

        // When
        Optional<StoredObject> big = await(store.stat("m/obj"));
        Optional<StoredObject> small = await(store.stat("m/small"));

        // Then
        assertThat(big).contains(new StoredObject("m/obj", 1_500,
                Map.of("hub-mirror-sha256", "deadbeef", "hub-mirror-source", "BAAI/bge-m3@abc")));
        assertThat(small).contains(new StoredObject("m/small", 1, Map.of("k", "välue")));
    }

    @Test
    void sidecarMetadataIsIgnoredWhenTheFileWasReplacedBehindTheStore() throws IOException {
        // Given
        FilesystemObjectStore store = store(MetadataMode.SIDECAR);
        await(store.put("r/file", ByteBuffer.wrap(bytes(100, 8)), SHA));
        Path file = root.resolve("r/file");
        Path other = root.resolve("r/other");
        Files.write(other, bytes(100, 9));
        Files.move(other, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        // When
        Optional<StoredObject> stat = await(store.stat("r/file"));

        // Then
        assertThat(stat).contains(new StoredObject("r/file", 100, Map.of()));
        assertThat(root.resolve(".hub-mirror/meta/r/file.json")).exists();
    }

    @Test
    void detectsAMetadataModeThatRoundTrips() throws IOException {
        // Given
        FilesystemObjectStore store = newStore();

        // When
        await(store.probe());

        // Then
        assertThat(store.metadataMode()).isIn(MetadataMode.XATTR, MetadataMode.SIDECAR);
        assertThat(filesUnder(root)).isEmpty();
    }


    @Test
    void putReplacesAnExistingObjectAndItsMetadata() throws IOException {
        // Given
        FilesystemObjectStore store = newStore();
        await(store.put("models--a--b/refs/main", ByteBuffer.wrap("old".getBytes(StandardCharsets.UTF_8)),
                Map.of("a", "1")));

        // When
        await(store.put("models--a--b/refs/main", ByteBuffer.wrap("abc123".getBytes(StandardCharsets.UTF_8)),
                Map.of("b", "2")));

        // Then
        assertThat(Files.readString(root.resolve("models--a--b/refs/main"))).isEqualTo("abc123");
        assertThat(await(store.stat("models--a--b/refs/main")))
                .contains(new StoredObject("models--a--b/refs/main", 6, Map.of("b", "2")));
        assertThat(filesUnder(root.resolve("models--a--b"))).containsExactly("refs/main");
    }

    @ParameterizedTest
    @CsvSource({"XATTR, true", "XATTR, false", "SIDECAR, true", "SIDECAR, false"})
    void copyMakesAnIndependentNameWithTheSameBytesAndMetadata(MetadataMode mode, boolean linkCopies)
            throws IOException {
        // Given
        assumeXattrsWhen(mode);
        FilesystemObjectStore store = store(mode, linkCopies);
        byte[] content = bytes(5_000, 10);
        await(store.put("s/snap/model.bin", ByteBuffer.wrap(content), SHA));

        // When
        await(store.copy("s/snap/model.bin", "s/blobs/ab12"));
        await(store.copy("s/snap/model.bin", "s/blobs/ab12"));
        await(store.delete("s/snap/model.bin"));

        // Then
        assertThat(Files.readAllBytes(root.resolve("s/blobs/ab12"))).isEqualTo(content);
        assertThat(await(store.stat("s/blobs/ab12"))).contains(new StoredObject("s/blobs/ab12", 5_000, SHA));
        assertThat(await(store.stat("s/snap/model.bin"))).isEmpty();
        assertThat(filesUnder(root.resolve("s"))).containsExactly("blobs/ab12");
    }


    @Test
    void deleteRemovesTheObjectAndSucceedsForAMissingKey() throws IOException {
        // Given
        FilesystemObjectStore store = store(MetadataMode.SIDECAR);
        await(store.put("d/x", ByteBuffer.wrap(bytes(10, 11)), SHA));

        // When
        await(store.delete("d/x"));
        await(store.delete("d/x"));
        await(store.delete("never/was"));

        // Then
        assertThat(await(store.stat("d/x"))).isEmpty();
        assertThat(filesUnder(root)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/etc/passwd", "../escape", "a/../../escape", "a/./b", "a//b", "a/", "a\\b",
            "nul\0byte", "..", ".hub-mirror/meta/x.json"})
    void refusesKeysThatCouldEscapeTheRoot(String key) {
        // Given
        FilesystemObjectStore store = newStore();

        // When
        Throwable onPut = catchThrowable(() -> await(store.put(key, ByteBuffer.allocate(1), Map.of())));
        Throwable onBegin = catchThrowable(() -> await(store.beginUpload(key, 1, Map.of())));
        Throwable onStat = catchThrowable(() -> await(store.stat(key)));
        Throwable onCopy = catchThrowable(() -> await(store.copy("ok", key)));
        Throwable onUrl = catchThrowable(() -> store.url(key));

        // Then
        // "" and "a/" are folder names: they have a URL (a snapshot folder's), but no object
        List<Throwable> failures = key.isEmpty() || key.endsWith("/")
                ? List.of(onPut, onBegin, onStat, onCopy)
                : List.of(onPut, onBegin, onStat, onCopy, onUrl);
        for (Throwable t : failures) {
            assertThat(t).isInstanceOf(StoreException.class);
            assertThat(((StoreException) t).reason()).isEqualTo(Reason.UNSAFE_PATH);
        }
        assertThat(root.getParent().resolve("escape")).doesNotExist();
    }

    @Test
    void storesZeroByteObjectsByPutAndByUpload() throws IOException {
        // Given
        FilesystemObjectStore store = newStore();

        // When
        await(store.put("z/put", ByteBuffer.allocate(0), SHA));
        MultipartUpload upload = await(store.beginUpload("z/upload", 0, SHA));
        await(upload.complete(List.of()));

        // Then
        assertThat(await(store.stat("z/put"))).contains(new StoredObject("z/put", 0, SHA));
        assertThat(await(store.stat("z/upload"))).contains(new StoredObject("z/upload", 0, SHA));
        assertThat(filesUnder(root.resolve("z"))).containsExactly("put", "upload");
    }

    @Test
    void handlesUnicodeAndSpacesInKeys() throws IOException {
        // Given
        FilesystemObjectStore store = newStore();
        String key = "models--org--mödel/snapshots/abc/dir with space/日本語 #1?.txt";
        byte[] content = "héllo".getBytes(StandardCharsets.UTF_8);

        // When
        await(store.put(key, ByteBuffer.wrap(content), SHA));
        MultipartUpload upload = await(store.beginUpload(key + ".2", content.length, SHA));
        await(upload.complete(List.of(await(upload.uploadPart(new Part(1, 0, ByteBuffer.wrap(content)))))));

        // Then
        assertThat(Files.readAllBytes(root.resolve(key))).isEqualTo(content);
        assertThat(Files.readAllBytes(root.resolve(key + ".2"))).isEqualTo(content);
        assertThat(await(store.stat(key))).contains(new StoredObject(key, content.length, SHA));
        String url = store.url(key);
        assertThat(url).startsWith("file:///").doesNotContain(" ").doesNotContain("#1?");
        assertThat(Path.of(java.net.URI.create(url))).isEqualTo(root.resolve(key));
    }

    @Test
    void urlIsAFileUriUnderTheRoot() {
        // Given
        FilesystemObjectStore store = newStore();

        // When
        String url = store.url("models--a--b/refs/main");

        // Then
        assertThat(url).isEqualTo("file://" + root.toAbsolutePath() + "/models--a--b/refs/main");
        assertThat(store.kind()).isEqualTo("file");
    }

    @Test
    void uploadsToDifferentKeysConcurrently() throws IOException {
        // Given
        FilesystemObjectStore store = newStore();
        int files = 8;
        List<byte[]> contents = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            contents.add(bytes(5_000 + i, 100 + i));
        }

        // When
        List<Uni<Void>> uploads = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            byte[] content = contents.get(i);
            String key = "c/file-" + i;
            uploads.add(store.beginUpload(key, content.length, SHA).flatMap(upload -> Uni.join()
                    .all(parts(content, 1_024).stream().map(upload::uploadPart).toList())
                    .andFailFast()
                    .flatMap(upload::complete)));
        }
        Uni.join().all(uploads).andFailFast().await().atMost(TIMEOUT);

        // Then
        for (int i = 0; i < files; i++) {
            assertThat(Files.readAllBytes(root.resolve("c/file-" + i))).isEqualTo(contents.get(i));
        }
        assertThat(filesUnder(root.resolve("c"))).hasSize(files);
    }

    @Test
    void probeCreatesAMissingRootAndLeavesNothingBehind() throws IOException {
        // Given
        Path missing = root.resolve("not/yet");
        FilesystemObjectStore store = new FilesystemObjectStore(StoreLocation.parse(missing.toString()), vertx);
        stores.add(store);

        // When
        await(store.probe());

        // Then
        assertThat(missing).isDirectory();
        assertThat(filesUnder(missing)).isEmpty();
    }

    @Test
    void tempNamesOfLongFileNamesStayShortAndLiveUnderTheStoresOwnFolder() {
        // Given
        Path target = root.resolve("d/" + "é".repeat(120));

        // When
        Path temp = newStore().tempFor(target);

        // Then
        assertThat(temp.getFileName().toString().getBytes(StandardCharsets.UTF_8).length).isLessThan(255);
        assertThat(temp.getParent()).isEqualTo(root.resolve(".hub-mirror/tmp/d"));
    }

    @Test
    void visibleFilesNamedLikeTempFilesAreNeverSweptAsOrphans() throws IOException {
        // Given: a snapshot whose repo ships files named exactly like a temp file, at the top and in a folder
        FilesystemObjectStore store = newStore();
        String snapshot = "models--a--b/snapshots/c0/";
        List<String> lookalikes = List.of(".config.json.0123456789abcdef.part", "sub/.w.bin.fedcba9876543210.part");
        for (String path : lookalikes) {
            await(store.put(snapshot + path, ByteBuffer.wrap(bytes(7, 9)), SHA));
        }
        await(store.put(snapshot + "config.json", ByteBuffer.wrap(bytes(3, 8)), SHA));

        // When: the orphan sweep of a later run on the same commit, by folder and by key
        int byFolder = await(newStore().abortUploads(snapshot));
        int byKey = await(newStore().abortUploads(snapshot + "config.json"));
        int everywhere = await(newStore().abortUploads(""));

        // Then
        assertThat(byFolder + byKey + everywhere).isZero();
        for (String path : lookalikes) {
            assertThat(root.resolve(snapshot + path)).hasBinaryContent(bytes(7, 9));
            assertThat(await(store.stat(snapshot + path))).isPresent();
        }
    }

    private void assumeXattrsWhen(MetadataMode mode) throws IOException {
        if (mode == MetadataMode.XATTR) {
            assumeTrue(newStore().metadataMode() == MetadataMode.XATTR, "this filesystem has no user xattrs");
        }
    }
}
