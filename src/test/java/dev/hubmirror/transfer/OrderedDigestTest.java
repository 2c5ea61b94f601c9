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
import java.util.concurrent.Executor;
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

    /** What became of each offered part, in the order the digest said so. */
    private static final class Outcomes {
        final List<String> events = new ArrayList<>();

        OrderedDigest.Done of(String part) {
            return hashed -> events.add(part + (hashed ? " hashed" : " dropped"));
        }
    }

    private static FileDigest digestOf(String content) {
        return FileDigest.forFile(new HubFile("f", content.length(), "0".repeat(40),
                Optional.of(new LfsInfo(sha256(content), content.length(), 100))));
    }

    @Test
    void partsArrivingOutOfOrderAreHashedInFileOrderAndHeldUntilTheirTurn() {
        // Given: three parts of "abcdefghi" in two pages each, arriving 2, 0, 1
        ManualExecutor executor = new ManualExecutor();
        OrderedDigest ordered = new OrderedDigest(digestOf("abcdefghi"), executor, 0);
        Outcomes outcomes = new Outcomes();

        // When: part 2 arrives first, nothing can be hashed: it waits, holding its buffer
        ordered.offer(2, pages("gh", "i"), 3, outcomes.of("part 2"));
        executor.runAll();
        assertThat(outcomes.events).isEmpty();

        ordered.offer(0, pages("a", "bc"), 3, outcomes.of("part 0"));
        executor.runAll();
        assertThat(outcomes.events).containsExactly("part 0 hashed");

        ordered.offer(1, pages("def"), 3, outcomes.of("part 1"));
        executor.runAll();

        // Then
        assertThat(outcomes.events).containsExactly("part 0 hashed", "part 1 hashed", "part 2 hashed");
        assertThat(ordered.digest().bytes()).isEqualTo(9);
        assertThat(ordered.digest().finish()).isEqualTo(sha256("abcdefghi"));
    }

    @Test
    void aSmallPartWhoseTurnItIsIsHashedOnTheCallingThread() {
        ManualExecutor executor = new ManualExecutor();
        OrderedDigest ordered = new OrderedDigest(digestOf("abcdef"), executor, 3);
        Outcomes outcomes = new Outcomes();

        ordered.offer(0, pages("abc"), 3, outcomes.of("part 0"));

        assertThat(executor.tasks).isEmpty();
        assertThat(outcomes.events).containsExactly("part 0 hashed");
    }

    @Test
    void closingDropsEveryWaitingPartAndRefusesLaterOnes() {
        ManualExecutor executor = new ManualExecutor();
        OrderedDigest ordered = new OrderedDigest(digestOf("abcdefghi"), executor, 0);
        Outcomes outcomes = new Outcomes();
        ordered.offer(1, pages("def"), 3, outcomes.of("part 1"));

        ordered.close();
        ordered.offer(0, pages("abc"), 3, outcomes.of("part 0"));
        executor.runAll();

        assertThat(outcomes.events).containsExactly("part 1 dropped", "part 0 dropped");
        assertThat(ordered.digest().bytes()).isZero();
    }

    private static List<ByteBuffer> pages(String... parts) {
        List<ByteBuffer> pages = new ArrayList<>();
        for (String p : parts) {
            pages.add(ByteBuffer.wrap(p.getBytes(StandardCharsets.US_ASCII)).asReadOnlyBuffer());
        }
        return pages;
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
