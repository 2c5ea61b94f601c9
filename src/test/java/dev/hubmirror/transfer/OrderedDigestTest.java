package dev.hubmirror.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hubmirror.hub.HubFile;
import dev.hubmirror.hub.LfsInfo;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OrderedDigestTest {

    /** Runs hashing tasks only when the test says so, so the order of events is the test's. */
    private static final class ManualExecutor implements Executor {
        final List<Runnable> tasks = new ArrayList<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        void runAll() {
            while (!tasks.isEmpty()) {
                tasks.remove(0).run();
            }
        }
    }

    private static FileDigest digestOf(String content) {
        return FileDigest.forFile(new HubFile("f", content.length(), "0".repeat(40),
                Optional.of(new LfsInfo(sha256(content), content.length(), 100))));
    }

    @Test
    void partsArrivingOutOfOrderAreHashedInFileOrderAndHeldUntilTheirTurn() {
        // Given: three parts of "abcdefghi", arriving 2, 0, 1
        ManualExecutor executor = new ManualExecutor();
        OrderedDigest ordered = new OrderedDigest(digestOf("abcdefghi"), executor);
        AtomicInteger released = new AtomicInteger();

        // When: part 2 arrives first, nothing can be hashed: it waits, holding its buffer
        CompletableFuture<Void> third = ordered.offer(2, bytes("ghi"), released::incrementAndGet);
        executor.runAll();
        assertThat(third).isNotDone();
        assertThat(released).hasValue(0);

        CompletableFuture<Void> first = ordered.offer(0, bytes("abc"), released::incrementAndGet);
        executor.runAll();
        assertThat(first).isCompleted();
        assertThat(third).isNotDone();
        assertThat(released).hasValue(1);

        CompletableFuture<Void> second = ordered.offer(1, bytes("def"), released::incrementAndGet);
        executor.runAll();

        // Then
        assertThat(second).isCompleted();
        assertThat(third).isCompleted();
        assertThat(released).hasValue(3);
        assertThat(ordered.digest().bytes()).isEqualTo(9);
        assertThat(ordered.digest().finish()).isEqualTo(sha256("abcdefghi"));
    }

    @Test
    void closingReleasesEveryWaitingPartAndRefusesLaterOnes() {
        ManualExecutor executor = new ManualExecutor();
        OrderedDigest ordered = new OrderedDigest(digestOf("abcdefghi"), executor);
        AtomicInteger released = new AtomicInteger();
        CompletableFuture<Void> waiting = ordered.offer(1, bytes("def"), released::incrementAndGet);

        ordered.close();
        CompletableFuture<Void> late = ordered.offer(0, bytes("abc"), released::incrementAndGet);
        executor.runAll();

        assertThat(waiting).isCompletedExceptionally();
        assertThat(late).isCompletedExceptionally();
        assertThat(released).hasValue(2);
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
