package dev.hubmirror.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.hubmirror.failure.Reason;
import io.smallrye.mutiny.Uni;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every {@link ObjectStore} adapter must do, against the adapter's real backend; each adapter's test extends this
 * class (as the transfer engine's {@code MirrorScenarios} does for mirrors) and adds what is its own. A new adapter
 * passes these before it is wired. The store under test is fresh for each test, or shared with a fresh prefix.
 */
public abstract class ObjectStoreContract {

    protected static final Duration TIMEOUT = Duration.ofSeconds(60);
    protected static final Map<String, String> SHA = Map.of("hub-mirror-sha256", "ab12");

    /** The store under test for the current test. */
    protected abstract ObjectStore store();

    /** A visible object's bytes as the backend holds them, read without the store; empty when there is none. */
    protected abstract Optional<byte[]> stored(String key);

    /** Everything the backend holds under the store's root or prefix, read without the store. */
    protected abstract List<String> storedKeys();

    /** The size of every part but the last that the store accepts (S3: 5 MiB). */
    protected int partSize() {
        return (int) Math.max(1000, store().limits().minPartSize());
    }

    @Test
    public void statOfAMissingKeyIsEmpty() {
        // When
        Optional<StoredObject> missing = await(store().stat("never/there"));

        // Then
        assertThat(missing).isEmpty();
    }

    @Test
    public void putReplacesAnObjectAndItsMetadataWhoseKeysAreLowerCase() {
        // Given
        await(store().put("refs/main", ByteBuffer.wrap("old".getBytes(StandardCharsets.UTF_8)), Map.of("A", "1")));

        // When: the bytes of a buffer's window, not the whole array
        ByteBuffer sliced = ByteBuffer.wrap("xxabc123yy".getBytes(StandardCharsets.UTF_8), 2, 6);
        await(store().put("refs/main", sliced, Map.of("Hub-Mirror-Sha256", "f00")));

        // Then
        assertThat(stored("refs/main")).hasValue("abc123".getBytes(StandardCharsets.UTF_8));
        assertThat(await(store().stat("refs/main")))
                .contains(new StoredObject("refs/main", 6, Map.of("hub-mirror-sha256", "f00")));
    }

    @Test
    public void putOfZeroBytesMakesAnEmptyObject() {
        // When
        await(store().put("z/put", ByteBuffer.allocate(0), SHA));

        // Then
        assertThat(await(store().stat("z/put"))).contains(new StoredObject("z/put", 0, SHA));
        assertThat(stored("z/put")).hasValue(new byte[0]);
    }

    @Test
    public void partsUploadedConcurrentlyAndOutOfOrderMakeOneObjectWithItsMetadata() {
        // Given: a last part shorter than the others
        byte[] content = bytes(2 * partSize() + 17, 1);
        List<Part> parts = parts(content, partSize());
        Collections.shuffle(parts, new Random(3));
        MultipartUpload upload = await(store().beginUpload("models--a--b/blobs/x", content.length,
                Map.of("Hub-Mirror-Sha256", "feed")));

        // When
        List<PartReceipt> receipts = await(Uni.join().all(parts.stream().map(upload::uploadPart).toList())
                .andFailFast());
        await(upload.complete(receipts));

        // Then
        assertThat(receipts).extracting(PartReceipt::number).containsExactlyElementsOf(
                parts.stream().map(Part::number).toList());
        assertThat(stored("models--a--b/blobs/x")).hasValue(content);
        assertThat(await(store().stat("models--a--b/blobs/x")))
                .contains(new StoredObject("models--a--b/blobs/x", content.length, Map.of("hub-mirror-sha256", "feed")));
        assertThat(upload.key()).isEqualTo("models--a--b/blobs/x");
    }

    @Test
    public void anObjectOfExactlyOnePartHasAllItsBytes() {
        // Given
        byte[] content = bytes(partSize() + 1, 2);
        MultipartUpload upload = await(store().beginUpload("one.bin", content.length, Map.of()));

        // When
        PartReceipt receipt = await(upload.uploadPart(new Part(1, 0, ByteBuffer.wrap(content))));
        await(upload.complete(List.of(receipt)));

        // Then
        assertThat(receipt).extracting(PartReceipt::number, PartReceipt::offset, PartReceipt::length)
                .containsExactly(1, 0L, (long) content.length);
        assertThat(stored("one.bin")).hasValue(content);
    }

    @Test
    public void nothingIsVisibleUnderTheKeyUntilTheUploadCompletes() {
        // Given: every byte sent
        byte[] content = bytes(2 * partSize(), 3);
        MultipartUpload upload = await(store().beginUpload("dir/file.safetensors", content.length, SHA));
        List<PartReceipt> receipts = new ArrayList<>();
        for (Part part : parts(content, partSize())) {
            receipts.add(await(upload.uploadPart(part)));
        }

        // When
        Optional<byte[]> before = stored("dir/file.safetensors");
        await(upload.complete(receipts));

        // Then
        assertThat(before).isEmpty();
        assertThat(stored("dir/file.safetensors")).hasValue(content);
        assertThat(await(store().stat("dir/file.safetensors"))).hasValueSatisfying(o ->
                assertThat(o.size()).isEqualTo(content.length));
    }

    @Test
    public void anAbortedUploadLeavesNothingMayBeRepeatedAndTakesNoMoreParts() {
        // Given
        byte[] content = bytes(2 * partSize(), 4);
        List<Part> parts = parts(content, partSize());
        MultipartUpload upload = await(store().beginUpload("dir/aborted.bin", content.length, SHA));
        await(upload.uploadPart(parts.get(0)));

        // When
        await(upload.abort());
        await(upload.abort());

        // Then
        assertThat(stored("dir/aborted.bin")).isEmpty();
        Throwable late = catchThrowable(() -> await(upload.uploadPart(parts.get(1))));
        assertThat(late).isInstanceOf(StoreException.class).hasMessageContaining("dir/aborted.bin");
        assertThat(stored("dir/aborted.bin")).isEmpty();
    }

    @Test
    public void aCompletionWhosePartsLeaveAHoleIsRefusedAndPublishesNothing() {
        // Given: parts 1 and 3 of 3 (a store that writes parts in order never ends part 3 before part 2: its receipt is
        // made up, as a caller that got it wrong would)
        byte[] content = bytes(3 * partSize(), 5);
        List<Part> parts = parts(content, partSize());
        MultipartUpload upload = await(store().beginUpload("holey.bin", content.length, SHA));
        PartReceipt first = await(upload.uploadPart(parts.get(0)));
        PartReceipt last = store().orderedParts()
                ? new PartReceipt(3, parts.get(2).offset(), parts.get(2).length(), "made-up")
                : await(upload.uploadPart(parts.get(2)));

        // When
        Throwable failure = catchThrowable(() -> await(upload.complete(List.of(last, first))));

        // Then
        assertThat(failure).isInstanceOf(StoreException.class).hasMessageContaining("holey.bin")
                .hasMessageContaining(upload.id());
        assertThat(((StoreException) failure).retriable()).isFalse();
        assertThat(stored("holey.bin")).isEmpty();
        await(upload.abort());
        assertThat(stored("holey.bin")).isEmpty();
    }

    @Test
    public void aCompletionWithPartsThatDoNotReachTheSizeIsRefused() {
        // Given
        byte[] content = bytes(partSize(), 6);
        MultipartUpload upload = await(store().beginUpload("short.bin", content.length + 1L, Map.of()));
        PartReceipt receipt = await(upload.uploadPart(new Part(1, 0, ByteBuffer.wrap(content))));

        // When
        Throwable failure = catchThrowable(() -> await(upload.complete(List.of(receipt))));

        // Then
        assertThat(failure).isInstanceOf(StoreException.class)
                .hasMessageContaining(content.length + " bytes").hasMessageContaining((content.length + 1) + " bytes")
                .hasMessageContaining("short.bin");
        assertThat(stored("short.bin")).isEmpty();
        await(upload.abort());
    }

    @Test
    public void sendingAPartAgainDoesNotDuplicateItsBytes() {
        // Given
        byte[] content = bytes(2 * partSize() + 500, 7);
        List<Part> parts = parts(content, partSize());
        MultipartUpload upload = await(store().beginUpload("resent", content.length, Map.of()));
        List<PartReceipt> receipts = new ArrayList<>();
        receipts.add(await(upload.uploadPart(parts.get(0))));

        // When
        await(upload.uploadPart(parts.get(0)));
        receipts.add(await(upload.uploadPart(parts.get(1))));
        receipts.add(await(upload.uploadPart(parts.get(2))));
        await(upload.complete(receipts));

        // Then
        assertThat(stored("resent")).hasValue(content);
    }

    @Test
    public void aPartThatDoesNotFitTheObjectIsRefusedBeforeAnyByteMoves() {
        // Given
        MultipartUpload upload = await(store().beginUpload("fits.bin", 10, Map.of()));

        // When
        Throwable beyond = catchThrowable(() -> await(upload.uploadPart(new Part(1, 5, ByteBuffer.allocate(6)))));
        Throwable numberZero = catchThrowable(() -> await(upload.uploadPart(new Part(0, 0, ByteBuffer.allocate(1)))));
        Throwable negative = catchThrowable(() -> await(store().beginUpload("negative.bin", -1, Map.of())));

        // Then
        for (Throwable t : List.of(beyond, numberZero, negative)) {
            assertThat(t).isInstanceOf(StoreException.class);
            assertThat(((StoreException) t).reason()).isEqualTo(Reason.INTERNAL);
        }
        await(upload.abort());
        assertThat(stored("fits.bin")).isEmpty();
    }

    @Test
    public void aCopyKeepsTheBytesAndTheMetadataForKeysWithSpacesAndUnicode() {
        // Given
        byte[] content = bytes(5000, 8);
        await(store().put("snapshots/c0ffee/dir with space/ünï.bin", ByteBuffer.wrap(content), SHA));

        // When
        await(store().copy("snapshots/c0ffee/dir with space/ünï.bin", "blobs/ab12"));

        // Then
        assertThat(stored("blobs/ab12")).hasValue(content);
        assertThat(await(store().stat("blobs/ab12"))).contains(new StoredObject("blobs/ab12", 5000, SHA));
        assertThat(stored("snapshots/c0ffee/dir with space/ünï.bin")).hasValue(content);
    }

    @Test
    public void aCopyOfAMissingSourceFailsNamingBothKeys() {
        // When
        Throwable failure = catchThrowable(() -> await(store().copy("a/missing", "b/target")));

        // Then
        assertThat(failure).isInstanceOf(StoreException.class)
                .hasMessageContaining("a/missing").hasMessageContaining("b/target")
                .hasMessageContaining("does not exist");
        assertThat(((StoreException) failure).reason()).isEqualTo(Reason.STORE_ERROR);
        assertThat(((StoreException) failure).retriable()).isFalse();
        assertThat(stored("b/target")).isEmpty();
    }

    @Test
    public void deleteRemovesAnObjectAndSucceedsForAMissingKey() {
        // Given
        await(store().put("d/x", ByteBuffer.wrap(bytes(10, 9)), SHA));

        // When
        await(store().delete("d/x"));
        await(store().delete("d/x"));
        await(store().delete("never/was"));

        // Then
        assertThat(await(store().stat("d/x"))).isEmpty();
        assertThat(stored("d/x")).isEmpty();
    }

    @Test
    public void keysWithUnicodeAndSpacesAreStoredByPutAndByUpload() {
        // Given
        String key = "models--org--mödel/snapshots/abc/dir with space/日本語 (1).txt";
        byte[] content = "héllo".getBytes(StandardCharsets.UTF_8);

        // When
        await(store().put(key, ByteBuffer.wrap(content), SHA));
        MultipartUpload upload = await(store().beginUpload(key + ".2", content.length, SHA));
        await(upload.complete(List.of(await(upload.uploadPart(new Part(1, 0, ByteBuffer.wrap(content)))))));

        // Then
        assertThat(stored(key)).hasValue(content);
        assertThat(stored(key + ".2")).hasValue(content);
        assertThat(await(store().stat(key))).contains(new StoredObject(key, content.length, SHA));
        assertThat(store().url(key)).startsWith(store().url(""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/abs", "../escape", "a/../b", "a/./b", "a//b", "a/", "a\\b", "nul\0", "cr\rlf\n",
            "tab\there"})
    public void refusesUnsafeKeysBeforeAnyRequest(String key) {
        // When
        List<Throwable> failures = new ArrayList<>(List.of(
                catchThrowable(() -> await(store().put(key, ByteBuffer.allocate(1), Map.of()))),
                catchThrowable(() -> await(store().beginUpload(key, 1, Map.of()))),
                catchThrowable(() -> await(store().stat(key))),
                catchThrowable(() -> await(store().copy("ok", key))),
                catchThrowable(() -> await(store().copy(key, "ok"))),
                catchThrowable(() -> await(store().delete(key))),
                catchThrowable(() -> store().read(key).collect().asList().await().atMost(TIMEOUT))));
        // "" and "a/" are folder names: they have a URL (a snapshot folder's), but no object
        if (!StoreKeys.isFolder(key)) {
            failures.add(catchThrowable(() -> store().url(key)));
        }

        // Then
        for (Throwable t : failures) {
            assertThat(t).isInstanceOf(StoreException.class);
            assertThat(((StoreException) t).reason()).isEqualTo(Reason.UNSAFE_PATH);
        }
        assertThat(storedKeys()).isEmpty();
    }

    @Test
    public void readStreamsAnObjectBackInOrderAndFailsForAMissingOne() {
        // Given: an object of several read requests
        byte[] content = bytes(2_500_000, 10);
        await(store().put("r/obj.bin", ByteBuffer.wrap(content), Map.of()));

        // When
        List<ByteBuffer> chunks = store().read("r/obj.bin").collect().asList().await().atMost(TIMEOUT);
        Throwable missing = catchThrowable(() -> store().read("r/none.bin").collect().asList().await()
                .atMost(TIMEOUT));

        // Then
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuffer chunk : chunks) {
            byte[] b = new byte[chunk.remaining()];
            chunk.get(b);
            out.writeBytes(b);
        }
        assertThat(out.toByteArray()).isEqualTo(content);
        assertThat(missing).isInstanceOf(StoreException.class);
    }

    @Test
    public void theProbeLeavesNothingBehind() {
        // When
        await(store().probe());

        // Then
        assertThat(storedKeys()).isEmpty();
    }

    @Test
    public void namesItsKindAndAddressesFoldersWithATrailingSlash() {
        // When
        String folder = store().url("models--a--b/snapshots/c0/");
        String file = store().url("models--a--b/snapshots/c0/config.json");

        // Then
        assertThat(store().kind()).matches("[a-z0-9]+");
        assertThat(folder).endsWith("/");
        assertThat(file).isEqualTo(folder + "config.json");
    }

    protected static <T> T await(Uni<T> uni) {
        return uni.await().atMost(TIMEOUT);
    }

    protected static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    protected static List<Part> parts(byte[] content, int partSize) {
        List<Part> parts = new ArrayList<>();
        for (int offset = 0, n = 1; offset < content.length; offset += partSize, n++) {
            int len = Math.min(partSize, content.length - offset);
            parts.add(new Part(n, offset, ByteBuffer.wrap(content, offset, len).slice()));
        }
        return parts;
    }
}
