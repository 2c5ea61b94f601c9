package dev.hubmirror.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hubmirror.memory.BufferPool;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.HubFile;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.hub.NettyHubClient;
import dev.hubmirror.sim.HubSimulator;
import dev.hubmirror.sim.SimCommit;
import dev.hubmirror.sim.SimFile;
import dev.hubmirror.sim.SimRepo;
import dev.hubmirror.sim.SimRequest;
import dev.hubmirror.store.Content;
import dev.hubmirror.store.MultipartUpload;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.Part;
import dev.hubmirror.store.PartReceipt;
import dev.hubmirror.store.StoreLimits;
import dev.hubmirror.store.StoredObject;
import dev.hubmirror.testing.Configs;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Files over 50 GB (served by the simulator with Range requests only) without moving 50 GB: the transfer runs into a
 * store that checks and counts the parts it receives and keeps none, and is cancelled after a few parts. What this
 * proves: a file the simulator serves only with Range requests is transferred with the grown part size, the first
 * parts arrive in the store with the right numbers, offsets and bytes (fetched in parallel), and a cancel aborts the
 * upload with the budget back to zero. What it does not: parts at offsets past 2^31 and the end of such a file (its
 * hash is claimed, not computed), nor a completed upload of that size; {@code store.PartPlanTest} checks the plan to the
 * last byte with long offsets, and {@code NettyHubClientTest} fetches the tail of a 60 GB file by Range.
 */
class LargeFileTransferTest {

    private static final long MIB = 1024 * 1024;
    private static final long SIZE = 60_000_000_000L;

    private static Vertx vertx;
    private static HubSimulator sim;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        sim = HubSimulator.start();
    }

    @AfterAll
    static void stop() {
        sim.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
        sim = null;
        vertx = null;
    }

    @Test
    void aFileOver50GbIsFetchedWithRangesInGrownParts() {
        // Given: 60 GB with 5 MiB parts configured: 11,445 parts would be too many, so parts grow to 6 MiB
        SimRepo repo = sim.model("org/giant");
        SimCommit c = repo.commit().lfsFile("giant.gguf", SIZE, 7, "cd".repeat(32));
        repo.branch("main", c);
        SimFile simFile = c.file("giant.gguf");
        NettyHubClient hub = new NettyHubClient(vertx, Configs.hub(sim.hubUrl(), null, Map.of()));
        RepoRef ref = RepoRef.model("org/giant", "main");
        HubFile file = hub.listFiles(ref, c.sha()).await().atMost(Duration.ofSeconds(30)).get(0);
        CountingStore store = new CountingStore(simFile);
        BufferPool budget = new BufferPool(64 * MIB);
        FileTransfers transfer = new FileTransfers(hub, store, budget,
                new TransferSettings(5 * MIB, MIB, 4, 2), TransferObserver.NONE);
        sim.clearRequests();

        // When: the transfer runs until 8 parts were checked, then is cancelled
        Cancellable job = transfer.run(ref, c.sha(), file, "models--org--giant/giant.gguf", MirrorProgress.NONE)
                .subscribe().with(outcome -> { }, failure -> { });
        await().atMost(Duration.ofSeconds(60)).until(() -> store.checked.get() >= 8);
        job.cancel();

        // Then: the parts received are the file's own bytes at the planned offsets, all fetched with Range
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(store.aborted).isTrue();
            assertThat(budget.inUse()).isZero();
        });
        assertThat(store.mismatches).isEmpty();
        assertThat(store.partLength).isEqualTo(6 * MIB);
        assertThat(store.beganSize).isEqualTo(SIZE);
        List<SimRequest> cdn = sim.requests().stream().filter(r -> r.listener().equals("cdn")).toList();
        assertThat(cdn).isNotEmpty().allSatisfy(r -> {
            assertThat(r.header("range")).startsWith("bytes=");
            assertThat(r.status()).isIn(0, 206);
        });
    }

    @Test
    void aFileWhosePartsOutgrowTheBudgetFailsClearlyWithoutDownloading() {
        // Given: 5 TiB needs 525 MiB parts to stay within 10,000 parts; the budget holds 512 MiB
        SimRepo repo = sim.model("org/too-big");
        long size = 5L << 40;
        SimCommit c = repo.commit().lfsFile("huge.bin", size, 8, "ef".repeat(32));
        repo.branch("main", c);
        NettyHubClient hub = new NettyHubClient(vertx, Configs.hub(sim.hubUrl(), null, Map.of()));
        RepoRef ref = RepoRef.model("org/too-big", "main");
        HubFile file = hub.listFiles(ref, c.sha()).await().atMost(Duration.ofSeconds(30)).get(0);
        CountingStore store = new CountingStore(c.file("huge.bin"));
        FileTransfers transfer = new FileTransfers(hub, store, new BufferPool(512 * MIB),
                new TransferSettings(16 * MIB, 16 * MIB, 4, 2), TransferObserver.NONE);
        sim.clearRequests();

        // When
        FileOutcome outcome = transfer.run(ref, c.sha(), file, "k", MirrorProgress.NONE).await()
                .atMost(Duration.ofSeconds(30));

        // Then
        assertThat(outcome.failure()).hasValueSatisfying(e -> {
            assertThat(e.reason()).isEqualTo(Reason.INVALID_REQUEST);
            assertThat(e.getMessage()).contains("huge.bin", "mirror.transfer.memory-budget", "550502400");
        });
        assertThat(store.beganSize).isZero();
        assertThat(sim.requests()).noneMatch(r -> r.listener().equals("cdn"));
    }

    /**
     * A store that keeps nothing: it checks each part's bytes against the simulator's content and counts them. It is
     * our own port, so a hand-written stand-in is fine; the Hub side is the real client against the real simulator.
     */
    private static final class CountingStore implements ObjectStore {
        final SimFile source;
        final AtomicInteger checked = new AtomicInteger();
        final Map<Integer, String> mismatches = new ConcurrentHashMap<>();
        volatile long partLength;
        volatile long beganSize;
        volatile boolean aborted;

        CountingStore(SimFile source) {
            this.source = source;
        }

        @Override
        public String kind() {
            return "counting";
        }

        @Override
        public String url(String key) {
            return "counting://" + key;
        }

        @Override
        public StoreLimits limits() {
            return StoreLimits.S3;
        }

        @Override
        public Uni<Optional<StoredObject>> stat(String key) {
            return Uni.createFrom().item(Optional.empty());
        }

        @Override
        public Uni<Void> put(String key, Content content, Map<String, String> metadata) {
            return Uni.createFrom().failure(new IllegalStateException("no single PUT expected"));
        }

        @Override
        public Uni<MultipartUpload> beginUpload(String key, long size, Map<String, String> metadata) {
            beganSize = size;
            return Uni.createFrom().item(new MultipartUpload() {
                @Override
                public String key() {
                    return key;
                }

                @Override
                public String id() {
                    return "counting-1";
                }

                @Override
                public Uni<PartReceipt> uploadPart(Part part) {
                    return Uni.createFrom().item(() -> {
                        check(part);
                        return new PartReceipt(part.number(), part.offset(), part.length(), "etag-" + part.number());
                    });
                }

                @Override
                public Uni<Void> complete(List<PartReceipt> receipts) {
                    return Uni.createFrom().failure(new IllegalStateException("not expected to complete"));
                }

                @Override
                public Uni<Void> abort() {
                    aborted = true;
                    return Uni.createFrom().voidItem();
                }
            });
        }

        private void check(Part part) {
            if (part.number() == 1) {
                partLength = part.length();
            }
            long expectedOffset = (part.number() - 1L) * 6 * MIB;
            byte[] expected = new byte[Math.toIntExact(part.length())];
            source.copyRange(part.offset(), expected, 0, expected.length);
            byte[] actual = part.content().toArray();
            if (part.offset() != expectedOffset || !Arrays.equals(expected, actual)) {
                mismatches.put(part.number(), "offset " + part.offset());
            }
            checked.incrementAndGet();
        }

        @Override
        public Uni<Void> copy(String sourceKey, String targetKey) {
            return Uni.createFrom().voidItem();
        }

        @Override
        public Uni<Void> delete(String key) {
            return Uni.createFrom().voidItem();
        }

        @Override
        public Uni<Void> probe() {
            return Uni.createFrom().voidItem();
        }
    }
}
