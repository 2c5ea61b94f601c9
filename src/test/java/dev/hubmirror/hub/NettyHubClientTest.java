package dev.hubmirror.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hubmirror.config.HubConfig;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.memory.BufferPool;
import dev.hubmirror.memory.BufferScope;
import dev.hubmirror.memory.PooledBuffer;
import dev.hubmirror.sim.HubSimulator;
import dev.hubmirror.sim.SimCommit;
import dev.hubmirror.sim.SimFile;
import dev.hubmirror.sim.SimRepo;
import dev.hubmirror.sim.SimRequest;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link NettyHubClient} against the project's Hub simulator on loopback, fetching into pooled buffers. */
class NettyHubClientTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final AtomicInteger REPOS = new AtomicInteger();

    private static Vertx vertx;
    private static HubSimulator sim;
    private static final BufferPool POOL = new BufferPool(128L << 20);

    private NettyHubClient client;

    @BeforeAll
    static void startSimulator() {
        vertx = Vertx.vertx();
        sim = HubSimulator.start();
        sim.addToken("hf_alice_0123456789", "alice");
        sim.addToken("hf_bob_0123456789", "bob");
    }

    @AfterAll
    static void stopSimulator() {
        sim.close();
        vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    @BeforeEach
    void resetSimulator() {
        sim.faults().clear();
        sim.clearRequests();
        sim.treePageSize(1000);
        sim.signedUrlTtl(Duration.ofHours(1));
        client = client(Map.of());
    }

    @AfterEach
    void closeClient() {
        client.close();
        // every fetch above released its buffer, whatever its outcome
        assertThat(POOL.inUse()).isZero();
    }

    // ---- revision

    @Test
    void resolvesBranchTagShaAndPullRequestToTheirCommit() {
        // Given
        SimRepo repo = sim.model(uniqueId());
        SimCommit first = repo.commit().textFile("README.md", "one");
        SimCommit second = repo.commit().textFile("README.md", "two");
        SimCommit pr = repo.commit().textFile("README.md", "three");
        repo.branch("main", second).tag("v1.0", first).pullRequest(1, pr);

        // When / Then
        assertThat(resolve(repo, "main")).isEqualTo(second.sha());
        assertThat(resolve(repo, "v1.0")).isEqualTo(first.sha());
        assertThat(resolve(repo, first.sha())).isEqualTo(first.sha());
        assertThat(resolve(repo, "refs/pr/1")).isEqualTo(pr.sha());
        assertThat(hubPaths()).anyMatch(p -> p.endsWith("/revision/refs%2Fpr%2F1"));
    }

    @Test
    void resolvesDatasetRevisions() {
        // Given
        SimRepo repo = sim.dataset(uniqueId());
        SimCommit commit = repo.commit().textFile("data.csv", "a,b\n");

        // When
        String sha = await(client.resolveCommit(new RepoRef(HfRepoId.parse(repo.id()), RepoType.DATASET, "main")));

        // Then
        assertThat(sha).isEqualTo(commit.sha());
        assertThat(hubPaths()).anyMatch(p -> p.startsWith("/api/datasets/" + repo.id() + "/revision/main"));
    }

    @Test
    void failsWithRepoNotFoundForAnUnknownRepo() {
        // When
        HubException e = failure(client.resolveCommit(RepoRef.model("nobody/repo-" + REPOS.incrementAndGet(), "main")));

        // Then
        assertThat(e.reason()).isEqualTo(Reason.REPO_NOT_FOUND);
        assertThat(e.getMessage()).contains("nobody/").contains("check the repo id");
    }

    @Test
    void failsWithRevisionNotFoundForAnUnknownRevision() {
        // Given
        SimRepo repo = sim.model(uniqueId());
        repo.commit().textFile("README.md", "hi");

        // When
        HubException e = failure(client.resolveCommit(RepoRef.model(repo.id(), "no-such-branch")));

        // Then
        assertThat(e.reason()).isEqualTo(Reason.REVISION_NOT_FOUND);
        assertThat(e.getMessage()).contains(repo.id()).contains("no-such-branch").contains("check the revision");
    }

    @Test
    void privateRepoIsNotFoundWithoutAGrantedToken() {
        // Given
        SimRepo repo = sim.model(uniqueId()).privateRepo(true).grant("alice");
        SimCommit commit = repo.commit().textFile("README.md", "secret");

        // When
        HubException e = failure(client.resolveCommit(RepoRef.model(repo.id(), "main")));

        // Then
        assertThat(e.reason()).isEqualTo(Reason.REPO_NOT_FOUND);
        try (NettyHubClient alice = client(Map.of("mirror.hub.token", "hf_alice_0123456789"))) {
            assertThat(await(alice.resolveCommit(RepoRef.model(repo.id(), "main")))).isEqualTo(commit.sha());
        }
    }

    // ---- tree

    @Test
    void listsEveryFileAcrossPagesAndSkipsFolders() {
        // Given: 5 files and 3 folders, 2 entries per page
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit()
                .lfsFile("model.safetensors", 3L << 20, 1L)
                .regularFile("config.json", 1234, 2L)
                .textFile("a/b/c.txt", "deep")
                .textFile("a/x.txt", "x")
                .lfsFile("onnx/model.onnx", 4096, 3L);
        sim.treePageSize(2);

        // When
        List<HubFile> files = await(client.listFiles(RepoRef.model(repo.id(), "main"), commit.sha()));

        // Then
        assertThat(files).extracting(HubFile::path).containsExactlyInAnyOrder("model.safetensors", "config.json",
                "a/b/c.txt", "a/x.txt", "onnx/model.onnx");
        SimFile lfs = commit.file("model.safetensors");
        assertThat(files).filteredOn(f -> f.path().equals("model.safetensors")).singleElement().satisfies(f -> {
            assertThat(f.size()).isEqualTo(lfs.size());
            assertThat(f.blobId()).isEqualTo(lfs.gitSha1());
            assertThat(f.lfs()).contains(new LfsInfo(lfs.sha256(), lfs.size(), lfs.pointerSize()));
        });
        SimFile regular = commit.file("config.json");
        assertThat(files).filteredOn(f -> f.path().equals("config.json")).singleElement().satisfies(f -> {
            assertThat(f.size()).isEqualTo(1234);
            assertThat(f.blobId()).isEqualTo(regular.gitSha1());
            assertThat(f.lfs()).isEmpty();
        });
        assertThat(hubPaths()).filteredOn(p -> p.contains("/tree/")).hasSize(4);
    }

    @Test
    void refusesATreeLargerThanMaxFiles() {
        // Given
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().textFile("a", "1").textFile("b", "2").textFile("c", "3");
        sim.treePageSize(1);

        // When
        HubException e;
        try (NettyHubClient small = client(Map.of("mirror.hub.max-files", "2"))) {
            e = failure(small.listFiles(RepoRef.model(repo.id(), "main"), commit.sha()));
        }

        // Then
        assertThat(e.reason()).isEqualTo(Reason.HUB_PROTOCOL);
        assertThat(e.getMessage()).contains("mirror.hub.max-files");
    }

    @Test
    void rejectsACommitThatIsNotASha() {
        // When
        MirrorException e = catchThrowableOfType(MirrorException.class,
                () -> client.listFiles(RepoRef.model("org/name", "main"), "main").await().atMost(WAIT));

        // Then
        assertThat(e.reason()).isEqualTo(Reason.INVALID_REQUEST);
    }

    // ---- download

    @Test
    void downloadsAnLfsFileFromTheCdnWithoutSendingItTheToken() {
        // Given
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().lfsFile("model.safetensors", 5L << 20, 42L);
        SimFile simFile = commit.file("model.safetensors");
        try (NettyHubClient alice = client(Map.of("mirror.hub.token", "hf_alice_0123456789"))) {
            HubFile file = listed(alice, repo, commit, "model.safetensors");
            sim.clearRequests();

            // When
            byte[] bytes = download(alice, repo, commit, file, 0, file.size());

            // Then
            assertThat(sha256(bytes)).isEqualTo(simFile.sha256());
        }
        List<SimRequest> requests = sim.requests();
        assertThat(requests).filteredOn(r -> r.listener().equals("hub")).singleElement()
                .satisfies(r -> assertThat(r.authorized()).isTrue());
        assertThat(requests).filteredOn(r -> r.listener().equals("cdn")).singleElement().satisfies(r -> {
            assertThat(r.authorized()).isFalse();
            assertThat(r.header("range")).isEqualTo("bytes=0-" + ((5L << 20) - 1));
            assertThat(r.status()).isEqualTo(206);
        });
    }

    @Test
    void downloadsARegularFileThroughTheRelativeRedirectKeepingItsQuery() {
        // Given
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().regularFile("config.json", 300_000, 7L);
        HubFile file = listed(client, repo, commit, "config.json");
        sim.clearRequests();

        // When
        byte[] bytes = download(client, repo, commit, file, 0, file.size());

        // Then
        assertThat(bytes).isEqualTo(commit.file("config.json").content());
        assertThat(sim.requests()).filteredOn(r -> r.path().startsWith("/api/resolve-cache/")).singleElement()
                .satisfies(r -> {
                    assertThat(r.path()).contains("?").contains("etag=");
                    assertThat(r.status()).isEqualTo(206);
                });
    }

    @Test
    void downloadsARangeFromAnOffset() {
        // Given
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().lfsFile("weights.bin", 3L << 20, 9L);
        HubFile file = listed(client, repo, commit, "weights.bin");
        long offset = (1L << 20) + 123;
        int length = 1_000_001;
        sim.clearRequests();

        // When
        byte[] bytes = download(client, repo, commit, file, offset, length);

        // Then
        byte[] expected = new byte[length];
        commit.file("weights.bin").copyRange(offset, expected, 0, length);
        assertThat(bytes).isEqualTo(expected);
        assertThat(cdnRanges()).containsExactly("bytes=" + offset + "-" + (offset + length - 1));
    }

    @Test
    void downloadsFilesWithUnicodeAndSpacesInTheirPaths() {
        // Given
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit()
                .lfsFile("dir with space/modèle ünï 模型.bin", 70_000, 5L)
                .textFile("notes/read me #1 +x%20.txt", "percent and plus");

        for (String path : List.of("dir with space/modèle ünï 模型.bin", "notes/read me #1 +x%20.txt")) {
            HubFile file = listed(client, repo, commit, path);

            // When
            byte[] bytes = download(client, repo, commit, file, 0, file.size());

            // Then
            assertThat(bytes).as(path).isEqualTo(commit.file(path).content());
        }
        assertThat(hubPaths()).anyMatch(p -> p.contains("/dir%20with%20space/mod%C3%A8le%20%C3%BCn%C3%AF%20"));
    }

    @Test
    void downloadsAnEmptyFileWithoutAnyRequest() {
        // Given
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().textFile("empty.txt", "");
        HubFile file = listed(client, repo, commit, "empty.txt");
        sim.clearRequests();

        // When
        byte[] bytes = download(client, repo, commit, file, 0, 0);

        // Then
        assertThat(file.size()).isZero();
        assertThat(bytes).isEmpty();
        assertThat(sim.requests()).isEmpty();
    }

    @Test
    void gatedRepoNeedsAGrantedToken() {
        // Given
        SimRepo repo = sim.model(uniqueId()).gated(true).grant("alice");
        SimCommit commit = repo.commit().lfsFile("model.bin", 10_000, 3L);
        HubFile file = listed(client, repo, commit, "model.bin");

        // When
        HubException anonymous = failure(fetchUni(client, ref(repo), commit.sha(), file, 0, file.size()));
        HubException bob;
        byte[] bytes;
        try (NettyHubClient bobClient = client(Map.of("mirror.hub.token", "hf_bob_0123456789"));
                NettyHubClient aliceClient = client(Map.of("mirror.hub.token", "hf_alice_0123456789"))) {
            bob = failure(fetchUni(bobClient, ref(repo), commit.sha(), file, 0, file.size()));
            bytes = download(aliceClient, repo, commit, file, 0, file.size());
        }

        // Then
        assertThat(anonymous.reason()).isEqualTo(Reason.GATED_REPO);
        assertThat(anonymous.getMessage()).contains("request access at " + sim.hubUrl() + "/" + repo.id())
                .contains("HF_TOKEN");
        assertThat(bob.reason()).isEqualTo(Reason.GATED_REPO);
        assertThat(bob.getMessage()).doesNotContain("hf_bob_0123456789");
        assertThat(sha256(bytes)).isEqualTo(commit.file("model.bin").sha256());
    }

    @Test
    void failsWithEntryNotFoundForAFileMissingAtTheCommit() {
        // Given
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().textFile("README.md", "hi");
        HubFile ghost = new HubFile("missing/file.bin", 10, "0".repeat(40), Optional.empty());

        // When
        HubException e = failure(fetchUni(client, ref(repo), commit.sha(), ghost, 0, 10));

        // Then
        assertThat(e.reason()).isEqualTo(Reason.ENTRY_NOT_FOUND);
        assertThat(e.getMessage()).contains("missing/file.bin").contains(commit.sha());
    }

    // ---- retries

    @Test
    void retriesA503BurstThenSucceeds() {
        // Given
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().textFile("README.md", "hi");
        sim.faults().status(null, 503, 2);

        // When
        String sha = resolve(repo, "main");

        // Then
        assertThat(sha).isEqualTo(commit.sha());
        assertThat(sim.requests()).extracting(SimRequest::status).containsExactly(503, 503, 200);
    }

    @Test
    void givesUpWithHubUnavailableAfterMaxAttempts() {
        // Given
        SimRepo repo = sim.model(uniqueId());
        repo.commit().textFile("README.md", "hi");
        sim.faults().status(null, 502, 10);

        // When
        HubException e = failure(client.resolveCommit(RepoRef.model(repo.id(), "main")));

        // Then
        assertThat(e.reason()).isEqualTo(Reason.HUB_UNAVAILABLE);
        assertThat(e.retriable()).isTrue();
        assertThat(e.getMessage()).contains("502").contains("gave up after 3 attempts");
        assertThat(sim.requests()).hasSize(3);
    }

    @Test
    void retriesRateLimitedRequestsAndReportsTheServersRetryAfter() {
        // Given: Retry-After 7 s is honoured but capped by max-backoff (5 ms here)
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().textFile("README.md", "hi");
        sim.faults().tooManyRequests(null, 2, 7);

        // When
        String sha = resolve(repo, "main");
        sim.faults().tooManyRequests(null, 3, 7);
        HubException e = failure(client.resolveCommit(RepoRef.model(repo.id(), "main")));

        // Then
        assertThat(sha).isEqualTo(commit.sha());
        assertThat(e.reason()).isEqualTo(Reason.RATE_LIMITED);
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(7));
        assertThat(sim.requests()).extracting(SimRequest::status).containsExactly(429, 429, 200, 429, 429, 429);
    }

    @Test
    void resumesACutDownloadFromTheFirstMissingByte() {
        // Given
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().lfsFile("model.safetensors", 4L << 20, 11L);
        HubFile file = listed(client, repo, commit, "model.safetensors");
        long cut = (1L << 20) + 17;
        sim.faults().cutAfter("model.safetensors", cut, 1);
        sim.clearRequests();

        // When
        byte[] bytes = download(client, repo, commit, file, 0, file.size());

        // Then
        assertThat(sha256(bytes)).isEqualTo(commit.file("model.safetensors").sha256());
        assertThat(cdnRanges()).containsExactly("bytes=0-" + (file.size() - 1),
                "bytes=" + cut + "-" + (file.size() - 1));
    }

    @Test
    void resumesARegularFileCutTwiceFromAnOffset() {
        // Given
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().regularFile("tokenizer.json", 2_000_000, 12L);
        HubFile file = listed(client, repo, commit, "tokenizer.json");
        sim.faults().cutAfter("tokenizer.json", 100_000, 2);
        sim.clearRequests();

        // When
        byte[] bytes = download(client, repo, commit, file, 500_000, 1_500_000);

        // Then
        byte[] expected = new byte[1_500_000];
        commit.file("tokenizer.json").copyRange(500_000, expected, 0, expected.length);
        assertThat(bytes).isEqualTo(expected);
        assertThat(sim.requests()).filteredOn(r -> r.path().startsWith("/api/resolve-cache/"))
                .extracting(r -> r.header("range"))
                .containsExactly("bytes=500000-1999999", "bytes=600000-1999999", "bytes=700000-1999999");
    }

    @Test
    void retriesAResponseCutBeforeItsFirstByte() {
        // Given
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().lfsFile("model.bin", 100_000, 21L);
        HubFile file = listed(client, repo, commit, "model.bin");
        sim.faults().cutAfter("model.bin", 0, 2);
        sim.clearRequests();

        // When
        byte[] bytes = download(client, repo, commit, file, 0, file.size());

        // Then
        assertThat(sha256(bytes)).isEqualTo(commit.file("model.bin").sha256());
        assertThat(cdnRanges()).containsExactly("bytes=0-99999", "bytes=0-99999", "bytes=0-99999");
    }

    @Test
    void downloadsTheTailOfAFileOver50GbWithARange() {
        // Given: 60 GB, served only with Range requests
        SimRepo repo = sim.model(uniqueId());
        long size = 60_000_000_000L;
        SimCommit commit = repo.commit().lfsFile("giant.gguf", size, 22L, "ab".repeat(32));
        HubFile file = new HubFile("giant.gguf", size, commit.file("giant.gguf").gitSha1(),
                Optional.of(new LfsInfo("ab".repeat(32), size, 135)));
        long offset = size - 70_000;

        // When
        byte[] bytes = download(client, repo, commit, file, offset, 70_000);

        // Then
        byte[] expected = new byte[70_000];
        commit.file("giant.gguf").copyRange(offset, expected, 0, expected.length);
        assertThat(bytes).isEqualTo(expected);
        assertThat(cdnRanges()).containsExactly("bytes=" + offset + "-" + (size - 1));
    }

    @Test
    void resolvesTheFileAgainWhenTheSignedUrlExpiredMidDownload() {
        // Given: the first signed URL is single-use and the first body is cut
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().lfsFile("big.bin", 3L << 20, 13L);
        HubFile file = listed(client, repo, commit, "big.bin");
        sim.faults().expireSignedUrls("big.bin", 1).cutAfter("big.bin", 500_000, 1);
        sim.clearRequests();

        // When
        byte[] bytes = download(client, repo, commit, file, 0, file.size());

        // Then: the resumed request went to the cached URL, was refused as expired, and the file was resolved again
        assertThat(sha256(bytes)).isEqualTo(commit.file("big.bin").sha256());
        assertThat(sim.requests()).filteredOn(r -> r.listener().equals("hub")).hasSize(2);
        assertThat(cdnRanges()).containsExactly("bytes=0-" + (file.size() - 1),
                "bytes=500000-" + (file.size() - 1), "bytes=500000-" + (file.size() - 1));
        assertThat(sim.requests()).filteredOn(r -> r.listener().equals("cdn")).extracting(SimRequest::status)
                .containsExactly(206, 403, 206);
    }

    @Test
    void parallelRangesOfOneFileResolveOnceAndGoStraightToTheCdnWithoutTheToken() {
        // Given: a gated LFS file and a client with a token that may read it
        SimRepo repo = sim.model(uniqueId()).gated(true).grant("alice");
        SimCommit commit = repo.commit().lfsFile("w.bin", 4_000_000, 15L);
        repo.branch("main", commit);
        try (NettyHubClient alice = client(Map.of("mirror.hub.token", "hf_alice_0123456789"))) {
            HubFile file = listed(alice, repo, commit, "w.bin");
            sim.clearRequests();

            // When: four ranges at once, then a fifth
            List<Uni<byte[]>> ranges = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                long offset = i * 1_000_000L;
                ranges.add(bytes(alice, ref(repo), commit.sha(), file, offset, 1_000_000));
            }
            List<byte[]> parts = await(Uni.join().all(ranges).andFailFast());
            byte[] again = download(alice, repo, commit, file, 0, 10);

            // Then
            ByteArrayOutputStream whole = new ByteArrayOutputStream();
            parts.forEach(b -> whole.write(b, 0, b.length));
            assertThat(sha256(whole.toByteArray())).isEqualTo(commit.file("w.bin").sha256());
            assertThat(again).hasSize(10);
        }
        assertThat(sim.requests()).filteredOn(r -> r.listener().equals("hub")).singleElement()
                .satisfies(r -> assertThat(r.authorized()).isTrue());
        assertThat(sim.requests()).filteredOn(r -> r.listener().equals("cdn")).hasSize(5)
                .allSatisfy(r -> assertThat(r.authorized()).isFalse());
    }

    @Test
    void aUrlResolvedWithOneTokenIsNotReusedWithAnother() {
        // Given: alice resolved the file; bob (no access to the gated repo) shares the connection pool and cache
        SimRepo repo = sim.model(uniqueId()).gated(true).grant("alice");
        SimCommit commit = repo.commit().lfsFile("w.bin", 1000, 16L);
        repo.branch("main", commit);
        try (NettyHubClient alice = client(Map.of("mirror.hub.token", "hf_alice_0123456789"))) {
            HubFile file = listed(alice, repo, commit, "w.bin");
            download(alice, repo, commit, file, 0, file.size());
            HubClient bob = alice.withToken("hf_bob_0123456789");

            // When
            HubException e = failure(fetchUni(bob, ref(repo), commit.sha(), file, 0, file.size()));

            // Then: bob asked the Hub himself and was refused
            assertThat(e.reason()).isEqualTo(Reason.GATED_REPO);
        }
    }

    @Test
    void aZeroSizeCacheResolvesEveryRange() {
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().lfsFile("w.bin", 1000, 17L);
        try (NettyHubClient uncached = client(Map.of("mirror.hub.resolved-url-cache-size", "0"))) {
            HubFile file = listed(uncached, repo, commit, "w.bin");
            sim.clearRequests();

            download(uncached, repo, commit, file, 0, 500);
            download(uncached, repo, commit, file, 500, 500);
        }
        assertThat(sim.requests()).filteredOn(r -> r.listener().equals("hub")).hasSize(2);
    }

    @Test
    void resolvesAgainOnEachCdnRefusalThenFailsUnauthorized() {
        // Given: every signed URL is already expired
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().lfsFile("big.bin", 100_000, 14L);
        HubFile file = listed(client, repo, commit, "big.bin");
        sim.signedUrlTtl(Duration.ofSeconds(-60));
        sim.clearRequests();

        // When
        HubException e = failure(fetchUni(client, ref(repo), commit.sha(), file, 0, file.size()));

        // Then
        assertThat(e.reason()).isEqualTo(Reason.UNAUTHORIZED);
        assertThat(e.getMessage()).contains("signed URL").doesNotContain("?");
        assertThat(sim.requests()).filteredOn(r -> r.listener().equals("hub")).hasSize(3);
        assertThat(sim.requests()).filteredOn(r -> r.listener().equals("cdn")).extracting(SimRequest::status)
                .containsExactly(403, 403, 403);
    }

    @Test
    void failsWithSizeMismatchWhenTheServedFileIsLongerThanListed() {
        // Given
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().lfsFile("odd.bin", 50_000, 15L);
        HubFile file = listed(client, repo, commit, "odd.bin");
        sim.faults().wrongSize("odd.bin", 10);

        // When
        HubException e = failure(fetchUni(client, ref(repo), commit.sha(), file, 0, file.size()));

        // Then
        assertThat(e.reason()).isEqualTo(Reason.SIZE_MISMATCH);
        assertThat(e.getMessage()).contains("odd.bin").contains("50010").contains("50000");
    }

    @Test
    void failsWithSizeMismatchWhenTheServedFileIsShorterThanListed() {
        // Given
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().regularFile("short.bin", 50_000, 16L);
        HubFile file = listed(client, repo, commit, "short.bin");
        sim.faults().wrongSize("short.bin", -10);

        // When
        HubException e = failure(fetchUni(client, ref(repo), commit.sha(), file, 49_995, 5));

        // Then
        assertThat(e.reason()).isEqualTo(Reason.SIZE_MISMATCH);
        assertThat(e.getMessage()).contains("short.bin");
    }

    // ---- redirects

    @Test
    void refusesARedirectToAHostOutsideTheAllowlist() {
        // Given: the Hub is reached as localhost, so the CDN (127.0.0.1) is another host
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().lfsFile("model.bin", 10_000, 17L);
        HubFile file = listed(client, repo, commit, "model.bin");
        String localhost = sim.hubUrl().replace("127.0.0.1", "localhost");

        // When
        HubException refused;
        byte[] bytes;
        try (NettyHubClient strict = client(Map.of("mirror.hub.endpoint", localhost,
                "mirror.hub.redirect-allowlist", "*.hf.co", "mirror.hub.token", "hf_alice_0123456789"));
                NettyHubClient trusting = client(Map.of("mirror.hub.endpoint", localhost,
                        "mirror.hub.redirect-allowlist", "127.0.0.1", "mirror.hub.token", "hf_alice_0123456789"))) {
            refused = failure(fetchUni(strict, ref(repo), commit.sha(), file, 0, file.size()));
            sim.clearRequests();
            bytes = download(trusting, repo, commit, file, 0, file.size());
        }

        // Then
        assertThat(refused.reason()).isEqualTo(Reason.REDIRECT_REFUSED);
        assertThat(refused.getMessage()).contains("127.0.0.1").contains("mirror.hub.redirect-allowlist")
                .doesNotContain("?");
        assertThat(sha256(bytes)).isEqualTo(commit.file("model.bin").sha256());
        assertThat(sim.requests()).filteredOn(r -> r.listener().equals("cdn"))
                .allSatisfy(r -> assertThat(r.authorized()).isFalse());
    }

    @Test
    void refusesARedirectToAnInternalAddressThatIsNotTheHubBeforeSendingAnything() {
        // Given: the Hub is 127.0.0.1:<hub port>; its CDN redirect points to 127.0.0.1:<cdn port>, another origin on
        // loopback, which the allowlist accepts but which is an internal address
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().lfsFile("model.bin", 10_000, 19L);
        HubFile file = listed(client, repo, commit, "model.bin");
        sim.clearRequests();

        // When
        HubException refused;
        try (NettyHubClient strict = client(Map.of("mirror.hub.allow-private-redirects", "false",
                "mirror.hub.redirect-allowlist", "127.0.0.1"))) {
            refused = failure(fetchUni(strict, ref(repo), commit.sha(), file, 0, file.size()));
        }

        // Then
        assertThat(refused.reason()).isEqualTo(Reason.REDIRECT_REFUSED);
        assertThat(refused.retriable()).isFalse();
        assertThat(refused.getMessage()).contains("internal address 127.0.0.1")
                .contains("mirror.hub.allow-private-redirects").doesNotContain("?");
        assertThat(sim.requests()).filteredOn(r -> r.listener().equals("cdn")).isEmpty();
    }

    @Test
    void refusesARedirectToAnotherHostNameOnLoopbackEvenWhenAllowlisted() {
        // Given: the Hub is reached as localhost; the CDN redirect names 127.0.0.1, allowlisted but internal
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().lfsFile("model.bin", 10_000, 20L);
        HubFile file = listed(client, repo, commit, "model.bin");
        String localhost = sim.hubUrl().replace("127.0.0.1", "localhost");
        sim.clearRequests();

        // When
        HubException refused;
        try (NettyHubClient strict = client(Map.of("mirror.hub.endpoint", localhost,
                "mirror.hub.allow-private-redirects", "false", "mirror.hub.redirect-allowlist", "127.0.0.1",
                "mirror.hub.token", "hf_alice_0123456789"))) {
            refused = failure(fetchUni(strict, ref(repo), commit.sha(), file, 0, file.size()));
        }

        // Then
        assertThat(refused.reason()).isEqualTo(Reason.REDIRECT_REFUSED);
        assertThat(refused.getMessage()).doesNotContain("hf_alice_0123456789");
        assertThat(sim.requests()).filteredOn(r -> r.listener().equals("cdn")).isEmpty();
    }

    @Test
    void theHubItselfOnLoopbackIsServedWithPrivateRedirectsOff() {
        // Given: regular files redirect relatively, to the Hub's own origin
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().regularFile("config.json", 100, 21L);
        HubFile file = listed(client, repo, commit, "config.json");

        // When
        byte[] bytes;
        try (NettyHubClient strict = client(Map.of("mirror.hub.allow-private-redirects", "false"))) {
            bytes = download(strict, repo, commit, file, 0, file.size());
        }

        // Then
        assertThat(bytes).hasSize(100);
    }

    @Test
    void refusesMoreRedirectsThanConfigured() {
        // Given
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().regularFile("config.json", 100, 18L);
        HubFile file = listed(client, repo, commit, "config.json");

        // When
        HubException e;
        try (NettyHubClient noRedirects = client(Map.of("mirror.hub.max-redirects", "0"))) {
            e = failure(fetchUni(noRedirects, ref(repo), commit.sha(), file, 0, file.size()));
        }

        // Then
        assertThat(e.reason()).isEqualTo(Reason.REDIRECT_REFUSED);
        assertThat(e.getMessage()).contains("mirror.hub.max-redirects");
    }

    // ---- buffers

    @Test
    void fetchesOnlyWhatTheBufferDoesNotHoldYet() {
        // Given: a buffer for 1 MB of the file whose first 300,000 bytes an earlier attempt already wrote
        SimRepo repo = sim.model(uniqueId());
        SimCommit commit = repo.commit().lfsFile("model.bin", 2_000_000, 23L);
        HubFile file = listed(client, repo, commit, "model.bin");
        byte[] expected = new byte[1_000_000];
        commit.file("model.bin").copyRange(500_000, expected, 0, expected.length);
        BufferScope scope = new BufferScope("test");
        PooledBuffer buffer = await(POOL.acquire(expected.length, scope));
        buffer.writer().write(ByteBuffer.wrap(expected, 0, 300_000));
        sim.clearRequests();

        // When
        try {
            await(client.fetch(ref(repo), commit.sha(), file, 500_000, buffer));

            // Then
            assertThat(copy(buffer)).isEqualTo(expected);
            assertThat(cdnRanges()).containsExactly("bytes=800000-1499999");
        } finally {
            scope.close();
        }
        assertThat(POOL.inUse()).isZero();
    }

    @Test
    void refusesARangeOutsideTheFile() {
        // Given
        HubFile file = new HubFile("f.bin", 100, "0".repeat(40), Optional.empty());
        BufferScope scope = new BufferScope("test");
        PooledBuffer buffer = await(POOL.acquire(50, scope));

        // When
        HubException e = failure(client.fetch(RepoRef.model("org/name", "main"), "0".repeat(40), file, 60, buffer));
        scope.close();

        // Then
        assertThat(e.reason()).isEqualTo(Reason.INVALID_REQUEST);
        assertThat(e.getMessage()).contains("60+50").contains("f.bin");
        assertThat(sim.requests()).isEmpty();
    }

    // ---- helpers

    private NettyHubClient client(Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>();
        values.put("mirror.hub.endpoint", sim.hubUrl());
        values.put("mirror.hub.max-attempts", "3");
        values.put("mirror.hub.initial-backoff", "1ms");
        values.put("mirror.hub.max-backoff", "5ms");
        values.put("mirror.hub.idle-timeout", "10s");
        values.put("mirror.hub.connect-timeout", "2s");
        // the simulator's CDN listens on loopback, another port than the Hub
        values.put("mirror.hub.allow-private-redirects", "true");
        values.putAll(overrides);
        // Quarkus' converter reads "10s"/"500ms" as Quarkus does; plain SmallRye only reads ISO-8601 ("PT10S")
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder().withMapping(HubConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withConverter(MemorySize.class, 200, new MemorySizeConverter());
        values.forEach(builder::withDefaultValue);
        return new NettyHubClient(vertx, builder.build().getConfigMapping(HubConfig.class));
    }

    private static String uniqueId() {
        return "org/repo-" + REPOS.incrementAndGet();
    }

    private static RepoRef ref(SimRepo repo) {
        return new RepoRef(HfRepoId.parse(repo.id()), repo.type(), "main");
    }

    private String resolve(SimRepo repo, String revision) {
        return await(client.resolveCommit(new RepoRef(HfRepoId.parse(repo.id()), repo.type(), revision)));
    }

    private static HubFile listed(NettyHubClient client, SimRepo repo, SimCommit commit, String path) {
        return await(client.listFiles(ref(repo), commit.sha())).stream().filter(f -> f.path().equals(path))
                .findFirst().orElseThrow(() -> new AssertionError(path + " not listed"));
    }

    private static byte[] download(HubClient client, SimRepo repo, SimCommit commit, HubFile file, long offset,
            long length) {
        return await(bytes(client, ref(repo), commit.sha(), file, offset, length));
    }

    /** Fetches a range into a buffer of the test pool and copies it out (releasing the buffer either way). */
    private static Uni<byte[]> bytes(HubClient client, RepoRef ref, String commit, HubFile file, long offset,
            long length) {
        return Uni.createFrom().deferred(() -> {
            BufferScope scope = new BufferScope("test");
            return POOL.acquire(length, scope).chain(buffer -> client.fetch(ref, commit, file, offset, buffer)
                    .map(done -> copy(buffer))).eventually(scope::close);
        });
    }

    /** A fetch into a buffer of the test pool, released when it ends. */
    private static Uni<Void> fetchUni(HubClient client, RepoRef ref, String commit, HubFile file, long offset,
            long length) {
        return bytes(client, ref, commit, file, offset, length).replaceWithVoid();
    }

    private static byte[] copy(PooledBuffer buffer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuffer view : buffer.content()) {
            byte[] chunk = new byte[view.remaining()];
            view.get(chunk);
            out.write(chunk, 0, chunk.length);
        }
        return out.toByteArray();
    }

    private static <T> T await(Uni<T> uni) {
        return uni.await().atMost(WAIT);
    }

    private static HubException failure(Uni<?> uni) {
        return catchThrowableOfType(HubException.class, () -> uni.await().atMost(WAIT));
    }

    private static List<String> hubPaths() {
        return sim.requests().stream().filter(r -> r.listener().equals("hub")).map(SimRequest::path).toList();
    }

    private static List<String> cdnRanges() {
        return sim.requests().stream().filter(r -> r.listener().equals("cdn")).map(r -> r.header("range")).toList();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
