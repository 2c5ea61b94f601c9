package dev.hubmirror.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The simulator's Hub protocol, checked with an independent HTTP client. */
class HubSimulatorTest {

    private static final int MIB = 1024 * 1024;

    private HubSimulator sim;
    private final SimHttp http = new SimHttp();

    @BeforeEach
    void start() {
        sim = HubSimulator.start();
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    @Test
    void resolvesRevisionsByBranchTagShaAndPullRequest() {
        // Given
        SimRepo repo = sim.model("org/name");
        SimCommit first = repo.commit().textFile("a.txt", "one");
        SimCommit second = repo.commit().textFile("a.txt", "two");
        SimCommit third = repo.commit().textFile("b.txt", "three");
        repo.branch("dev", first).tag("v1.0", second).pullRequest(1, third);
        String base = sim.hubUrl() + "/api/models/org/name/revision/";

        // When / Then
        assertThat(http.get(base + "dev").json().getString("sha")).isEqualTo(first.sha());
        assertThat(http.get(base + "v1.0").json().getString("sha")).isEqualTo(second.sha());
        assertThat(http.get(base + second.sha()).json().getString("sha")).isEqualTo(second.sha());
        assertThat(http.get(base + "refs%2Fpr%2F1").json().getString("sha")).isEqualTo(third.sha());
        assertThat(http.get(base + "main").json().getString("sha")).isEqualTo(third.sha());
        assertThat(first.sha()).matches("[0-9a-f]{40}").isNotEqualTo(second.sha());
    }

    @Test
    void mainFollowsTheLatestCommitUntilSetExplicitly() {
        // Given
        SimRepo repo = sim.model("org/name");
        SimCommit first = repo.commit().textFile("a.txt", "one");
        String url = sim.hubUrl() + "/api/models/org/name/revision/main";
        assertThat(http.get(url).json().getString("sha")).isEqualTo(first.sha());

        // When
        SimCommit second = repo.commit().remove("a.txt").textFile("b.txt", "two");

        // Then
        JsonObject info = http.get(url).json();
        assertThat(info.getString("sha")).isEqualTo(second.sha());
        assertThat(siblingNames(info)).containsExactly("b.txt");
        repo.branch("main", first);
        assertThat(http.get(url).json().getString("sha")).isEqualTo(first.sha());
    }

    @Test
    void revisionInfoWithBlobsGivesSizesBlobIdsAndLfsPointers() {
        // Given
        SimCommit c = sim.model("org/name").commit().textFile("config.json", "{}\n").lfsFile("model.bin", 3000, 7);

        // When
        JsonObject info = http.get(sim.hubUrl() + "/api/models/org/name/revision/main?blobs=true").json();
        JsonObject plain = http.get(sim.hubUrl() + "/api/models/org/name/revision/main").json();

        // Then
        assertThat(info.getString("id")).isEqualTo("org/name");
        JsonArray siblings = info.getJsonArray("siblings");
        JsonObject config = siblings.getJsonObject(0);
        assertThat(config.getString("rfilename")).isEqualTo("config.json");
        assertThat(config.getLong("size")).isEqualTo(3);
        assertThat(config.getString("blobId")).isEqualTo(c.file("config.json").gitSha1());
        assertThat(config.containsKey("lfs")).isFalse();
        JsonObject model = siblings.getJsonObject(1);
        assertThat(model.getJsonObject("lfs").getString("sha256")).isEqualTo(c.file("model.bin").sha256());
        assertThat(model.getJsonObject("lfs").getLong("size")).isEqualTo(3000);
        assertThat(model.getJsonObject("lfs").getLong("pointerSize")).isEqualTo(c.file("model.bin").pointerSize());
        assertThat(model.getString("blobId")).isEqualTo(c.file("model.bin").gitSha1());
        assertThat(plain.getJsonArray("siblings").getJsonObject(1).fieldNames()).containsExactly("rfilename");
    }

    @Test
    void listsTreeInPagesLinkedByAnAbsoluteNextLinkIncludingFolders() {
        // Given
        sim.model("org/name").commit().textFile("README.md", "hi").lfsFile("onnx/model.onnx", 100, 1)
                .textFile("onnx/config.json", "{}").regularFile("tokenizer.json", 10, 2);
        sim.treePageSize(2);

        // When
        List<JsonObject> all = new ArrayList<>();
        String next = sim.hubUrl() + "/api/models/org/name/tree/main?recursive=true";
        int pages = 0;
        while (next != null) {
            SimHttp.Read page = http.get(next);
            assertThat(page.status()).isEqualTo(200);
            page.jsonArray().forEach(o -> all.add((JsonObject) o));
            next = nextLink(page.header("Link"));
            pages++;
        }

        // Then
        assertThat(pages).isEqualTo(3);
        assertThat(all).extracting(o -> o.getString("path")).containsExactly("README.md", "onnx",
                "onnx/config.json", "onnx/model.onnx", "tokenizer.json");
        assertThat(all.get(1).getString("type")).isEqualTo("directory");
        assertThat(all.get(1).getLong("size")).isZero();
        JsonObject lfs = all.get(3);
        assertThat(lfs.getString("type")).isEqualTo("file");
        assertThat(lfs.getLong("size")).isEqualTo(100);
        assertThat(lfs.getJsonObject("lfs").getString("oid")).matches("[0-9a-f]{64}");
        assertThat(lfs.getString("oid")).matches("[0-9a-f]{40}");
    }

    @Test
    void listsImmediateChildrenOfAFolderWhenNotRecursive() {
        // Given
        sim.model("org/name").commit().textFile("a/b/c.txt", "c").textFile("a/d.txt", "d").textFile("e.txt", "e");

        // When
        SimHttp.Read root = http.get(sim.hubUrl() + "/api/models/org/name/tree/main");
        SimHttp.Read folder = http.get(sim.hubUrl() + "/api/models/org/name/tree/main/a%2Fb?recursive=true");
        SimHttp.Read missing = http.get(sim.hubUrl() + "/api/models/org/name/tree/main/nope");

        // Then
        assertThat(root.jsonArray()).extracting(o -> ((JsonObject) o).getString("path")).containsExactly("a", "e.txt");
        assertThat(root.header("Link")).isNull();
        assertThat(folder.jsonArray()).extracting(o -> ((JsonObject) o).getString("path")).containsExactly("a/b/c.txt");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.header("X-Error-Code")).isEqualTo("EntryNotFound");
    }

    @Test
    void redirectsLfsFileToASignedCdnUrlWithLinkedHeaders() {
        // Given
        SimCommit c = sim.model("org/name").commit().lfsFile("model.safetensors", 5000, 3);
        SimFile f = c.file("model.safetensors");
        String url = sim.hubUrl() + "/org/name/resolve/main/model.safetensors";

        // When
        SimHttp.Read get = http.get(url);
        SimHttp.Read head = http.head(url);

        // Then
        for (SimHttp.Read r : List.of(get, head)) {
            assertThat(r.status()).isEqualTo(302);
            assertThat(r.header("Location")).startsWith(sim.cdnUrl() + "/").contains("Expires=")
                    .contains("Signature=");
            assertThat(r.header("X-Linked-Etag")).isEqualTo("\"" + f.sha256() + "\"");
            assertThat(r.header("X-Linked-Size")).isEqualTo("5000");
            assertThat(r.header("X-Repo-Commit")).isEqualTo(c.sha());
        }
        assertThat(URI.create(get.header("Location")).getPort()).isNotEqualTo(URI.create(sim.hubUrl()).getPort());
        assertThat(head.body()).isEmpty();
        SimHttp.Read cdn = http.get(get.header("Location"));
        assertThat(cdn.status()).isEqualTo(200);
        assertThat(cdn.header("Content-Length")).isEqualTo("5000");
        assertThat(cdn.body()).isEqualTo(f.content());
        assertThat(cdn.header("ETag")).as("the CDN's ETag is not the sha256: clients must use X-Linked-Etag")
                .doesNotContain(f.sha256());
    }

    @Test
    void cdnServesRangesAndRefusesUnsatisfiableOnes() {
        // Given
        SimFile f = sim.model("org/name").commit().lfsFile("w.bin", 1000, 9).file("w.bin");
        String cdn = http.get(sim.hubUrl() + "/org/name/resolve/main/w.bin").header("Location");

        // When
        SimHttp.Read closed = http.get(cdn, "Range", "bytes=10-19");
        SimHttp.Read open = http.get(cdn, "Range", "bytes=990-");
        SimHttp.Read suffix = http.get(cdn, "Range", "bytes=-5");
        SimHttp.Read beyondEnd = http.get(cdn, "Range", "bytes=500-5000");
        SimHttp.Read unsatisfiable = http.get(cdn, "Range", "bytes=1000-");
        SimHttp.Read headRange = http.head(cdn, "Range", "bytes=0-99");

        // Then
        assertThat(closed.status()).isEqualTo(206);
        assertThat(closed.header("Content-Range")).isEqualTo("bytes 10-19/1000");
        assertThat(closed.body()).isEqualTo(Arrays.copyOfRange(f.content(), 10, 20));
        assertThat(open.header("Content-Range")).isEqualTo("bytes 990-999/1000");
        assertThat(open.body()).isEqualTo(Arrays.copyOfRange(f.content(), 990, 1000));
        assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(f.content(), 995, 1000));
        assertThat(beyondEnd.header("Content-Range")).isEqualTo("bytes 500-999/1000");
        assertThat(beyondEnd.header("Content-Length")).isEqualTo("500");
        assertThat(unsatisfiable.status()).isEqualTo(416);
        assertThat(unsatisfiable.header("Content-Range")).isEqualTo("bytes */1000");
        assertThat(headRange.status()).isEqualTo(206);
        assertThat(headRange.header("Content-Length")).isEqualTo("100");
        assertThat(headRange.body()).isEmpty();
    }

    @Test
    void cdnRefusesARequestCarryingAuthorization() {
        // Given
        sim.addToken("hf_good", "alice");
        sim.model("org/name").commit().lfsFile("w.bin", 100, 1);
        String cdn = http.get(sim.hubUrl() + "/org/name/resolve/main/w.bin", "Authorization", "Bearer hf_good")
                .header("Location");

        // When
        SimHttp.Read withToken = http.get(cdn, "Authorization", "Bearer hf_good");

        // Then
        assertThat(withToken.status()).isEqualTo(400);
        assertThat(withToken.text()).contains("Only one auth mechanism allowed");
        assertThat(http.get(cdn).status()).isEqualTo(200);
    }

    @Test
    void cdnRefusesTamperedAndExpiredSignatures() {
        // Given
        sim.model("org/name").commit().lfsFile("w.bin", 100, 1);
        String valid = http.get(sim.hubUrl() + "/org/name/resolve/main/w.bin").header("Location");
        sim.signedUrlTtl(java.time.Duration.ofSeconds(-10));
        String expired = http.get(sim.hubUrl() + "/org/name/resolve/main/w.bin").header("Location");

        // When
        SimHttp.Read tampered = http.get(valid.replaceFirst("Signature=.", "Signature=_"));
        SimHttp.Read unsigned = http.get(valid.substring(0, valid.indexOf('?')));
        SimHttp.Read late = http.get(expired);

        // Then
        assertThat(tampered.status()).isEqualTo(403);
        assertThat(unsigned.status()).isEqualTo(403);
        assertThat(late.status()).isEqualTo(403);
        assertThat(late.text()).contains("<Code>AccessDenied</Code>").contains("expired");
        assertThat(http.get(valid).status()).isEqualTo(200);
    }

    @Test
    void redirectsRegularFileRelativelyToResolveCacheThenServesItWithItsGitEtag() {
        // Given
        SimCommit c = sim.model("org/name").commit().textFile("config.json", "{\"a\": 1}\n");
        SimFile f = c.file("config.json");

        // When
        SimHttp.Read redirect = http.get(sim.hubUrl() + "/org/name/resolve/main/config.json");
        String location = redirect.header("Location");
        SimHttp.Read file = http.get(sim.hubUrl() + location);
        SimHttp.Read range = http.get(sim.hubUrl() + location, "Range", "bytes=2-4");
        SimHttp.Read outside = http.get(sim.hubUrl() + location, "Range", "bytes=100-");

        // Then
        assertThat(redirect.status()).isEqualTo(307);
        assertThat(location).isEqualTo("/api/resolve-cache/models/org/name/" + c.sha() + "/config.json"
                + "?%2Forg%2Fname%2Fresolve%2Fmain%2Fconfig.json=&etag=%22" + f.gitSha1() + "%22");
        assertThat(redirect.header("X-Repo-Commit")).isEqualTo(c.sha());
        assertThat(file.status()).isEqualTo(200);
        assertThat(file.header("ETag")).isEqualTo("\"" + f.gitSha1() + "\"");
        assertThat(file.header("X-Repo-Commit")).isEqualTo(c.sha());
        assertThat(file.header("Content-Length")).isEqualTo(String.valueOf(f.size()));
        assertThat(file.text()).isEqualTo("{\"a\": 1}\n");
        assertThat(range.status()).isEqualTo(206);
        assertThat(range.text()).isEqualTo("a\":");
        assertThat(outside.status()).isEqualTo(416);
    }

    @Test
    void answersUnknownPrivateAndGatedReposWithTheHubsErrorCodes() {
        // Given
        sim.addToken("hf_alice", "alice");
        sim.addToken("hf_bob", "bob");
        sim.model("org/secret").privateRepo(true).grant("alice").commit().textFile("a.txt", "a");
        sim.model("org/gated").gated(true).grant("alice").commit().lfsFile("w.bin", 10, 1);
        String hub = sim.hubUrl();

        // When / Then
        assertError(http.get(hub + "/api/models/org/nothing/revision/main"), 401, "RepoNotFound");
        assertError(http.get(hub + "/api/models/org/nothing/revision/main", "Authorization", "Bearer hf_bob"), 404,
                "RepoNotFound");
        assertError(http.get(hub + "/org/secret/resolve/main/a.txt"), 401, "RepoNotFound");
        assertError(http.get(hub + "/org/secret/resolve/main/a.txt", "Authorization", "Bearer hf_bob"), 404,
                "RepoNotFound");
        assertThat(http.get(hub + "/org/secret/resolve/main/a.txt", "Authorization", "Bearer hf_alice").status())
                .isEqualTo(307);
        assertError(http.get(hub + "/org/gated/resolve/main/w.bin"), 401, "GatedRepo");
        assertError(http.get(hub + "/org/gated/resolve/main/w.bin", "Authorization", "Bearer hf_bob"), 403,
                "GatedRepo");
        assertThat(http.get(hub + "/org/gated/resolve/main/w.bin", "Authorization", "Bearer hf_alice").status())
                .isEqualTo(302);
        assertThat(http.get(hub + "/api/models/org/gated/revision/main").json().getString("gated"))
                .as("a gated repo's metadata stays readable").isEqualTo("manual");
        SimHttp.Read invalid = http.get(hub + "/api/models/org/gated/revision/main", "Authorization", "Bearer nope");
        assertThat(invalid.status()).isEqualTo(401);
        assertThat(invalid.header("X-Error-Message")).isEqualTo("Invalid credentials in Authorization header");
        assertError(http.get(hub + "/api/models/org/gated/revision/nope"), 404, "RevisionNotFound");
        SimHttp.Read entry = http.head(hub + "/org/gated/resolve/main/nope.bin", "Authorization", "Bearer hf_alice");
        assertError(entry, 404, "EntryNotFound");
        assertThat(entry.header("X-Repo-Commit")).matches("[0-9a-f]{40}");
    }

    @Test
    void errorBodiesAreJsonWithTheErrorMessage() {
        // When
        SimHttp.Read r = http.get(sim.hubUrl() + "/api/models/org/nothing/revision/main");

        // Then
        assertThat(r.json().getString("error")).isEqualTo(r.header("X-Error-Message"));
        assertThat(r.header("Content-Type")).startsWith("application/json");
    }

    @Test
    void datasetsAndSpacesUseTheirUrlPrefixes() {
        // Given
        SimCommit d = sim.dataset("org/data").commit().textFile("train.csv", "a,b\n").lfsFile("big.parquet", 50, 1);
        SimCommit s = sim.space("org/app").commit().textFile("app.py", "print(1)\n");

        // When
        SimHttp.Read info = http.get(sim.hubUrl() + "/api/datasets/org/data/revision/main");
        SimHttp.Read regular = http.get(sim.hubUrl() + "/datasets/org/data/resolve/main/train.csv");
        SimHttp.Read lfs = http.get(sim.hubUrl() + "/datasets/org/data/resolve/main/big.parquet");
        SimHttp.Read space = http.get(sim.hubUrl() + "/spaces/org/app/resolve/main/app.py");
        SimHttp.Read asModel = http.get(sim.hubUrl() + "/org/data/resolve/main/train.csv");

        // Then
        assertThat(info.json().getString("sha")).isEqualTo(d.sha());
        assertThat(regular.header("Location")).startsWith("/api/resolve-cache/datasets/org/data/" + d.sha()
                + "/train.csv?%2Fdatasets%2Forg%2Fdata%2Fresolve%2Fmain%2Ftrain.csv=");
        assertThat(http.get(sim.hubUrl() + regular.header("Location")).text()).isEqualTo("a,b\n");
        assertThat(http.get(lfs.header("Location")).body()).isEqualTo(d.file("big.parquet").content());
        assertThat(space.header("Location")).startsWith("/api/resolve-cache/spaces/org/app/" + s.sha());
        assertThat(asModel.status()).isEqualTo(401);
    }

    @Test
    void servesUnicodeAndSpacesInPathsAndSingleSegmentIds() {
        // Given
        sim.model("gpt2").commit().textFile("dir with space/naïve 文件.txt", "ok");

        // When
        String encoded = PercentCodec.encodePath("dir with space/naïve 文件.txt");
        SimHttp.Read redirect = http.get(sim.hubUrl() + "/gpt2/resolve/main/" + encoded);
        SimHttp.Read tree = http.get(sim.hubUrl() + "/api/models/gpt2/tree/main?recursive=true");

        // Then
        assertThat(redirect.status()).isEqualTo(307);
        assertThat(http.get(sim.hubUrl() + redirect.header("Location")).text()).isEqualTo("ok");
        assertThat(tree.jsonArray()).extracting(o -> ((JsonObject) o).getString("path"))
                .containsExactly("dir with space", "dir with space/naïve 文件.txt");
    }

    @Test
    void aRangeReadEqualsTheSameSliceOfTheFullContent() {
        // Given
        SimFile f = sim.model("org/name").commit().lfsFile("w.bin", 3 * MIB + 17, 42).file("w.bin");
        String cdn = http.get(sim.hubUrl() + "/org/name/resolve/main/w.bin").header("Location");
        byte[] full = http.get(cdn).body();

        // When
        SimHttp.Read slice = http.get(cdn, "Range", "bytes=1048573-2097160");

        // Then
        assertThat(full).hasSize(3 * MIB + 17);
        assertThat(slice.body()).isEqualTo(Arrays.copyOfRange(full, 1048573, 2097161));
        byte[] viaApi = new byte[67];
        f.copyRange(3 * MIB - 50, viaApi, 0, 67);
        assertThat(viaApi).isEqualTo(Arrays.copyOfRange(full, 3 * MIB - 50, 3 * MIB + 17));
    }

    @Test
    void theServedBytesHashToTheAdvertisedDigests() {
        // Given
        sim.model("org/name").commit().lfsFile("w.bin", 5 * MIB + 3, 5).regularFile("r.bin", 70_000, 6);

        // When
        SimHttp.Read lfs = http.get(sim.hubUrl() + "/org/name/resolve/main/w.bin");
        String[] lfsDigest = http.digest(lfs.header("Location"), "SHA-256", null);
        SimHttp.Read regular = http.get(sim.hubUrl() + "/org/name/resolve/main/r.bin");
        String[] gitDigest = http.digest(sim.hubUrl() + regular.header("Location"), "SHA-1", "blob 70000\0");

        // Then
        assertThat("\"" + lfsDigest[0] + "\"").isEqualTo(lfs.header("X-Linked-Etag"));
        assertThat(lfsDigest[1]).isEqualTo(String.valueOf(5 * MIB + 3));
        assertThat("\"" + gitDigest[0] + "\"").isEqualTo(regular.header("X-Linked-Etag"));
    }

    @Test
    void streamsALargeFileWhole() {
        // Given
        SimFile f = sim.model("org/name").commit().lfsFile("big.bin", 64L * MIB + 1, 11).file("big.bin");
        String cdn = http.get(sim.hubUrl() + "/org/name/resolve/main/big.bin").header("Location");

        // When
        String[] digest = http.digest(cdn, "SHA-256", null);

        // Then
        assertThat(digest[1]).isEqualTo(String.valueOf(64L * MIB + 1));
        assertThat(digest[0]).isEqualTo(f.sha256());
    }

    @Test
    void servesFilesOver50GbOnlyWithRangeRequests() {
        // Given
        long size = 50_000_000_001L;
        sim.model("org/huge").commit().lfsFile("huge.gguf", size, 3, "ab".repeat(32));
        SimHttp.Read redirect = http.get(sim.hubUrl() + "/org/huge/resolve/main/huge.gguf");
        String cdn = redirect.header("Location");

        // When
        SimHttp.Read whole = http.get(cdn);
        SimHttp.Read tail = http.get(cdn, "Range", "bytes=49999999990-");
        SimHttp.Read head = http.head(cdn);

        // Then
        assertThat(redirect.header("X-Linked-Size")).isEqualTo(String.valueOf(size));
        assertThat(redirect.header("X-Linked-Etag")).isEqualTo("\"" + "ab".repeat(32) + "\"");
        assertThat(whole.status()).isEqualTo(400);
        assertThat(tail.status()).isEqualTo(206);
        assertThat(tail.body()).hasSize(11);
        assertThat(tail.header("Content-Range")).isEqualTo("bytes 49999999990-50000000000/" + size);
        assertThat(head.header("Content-Length")).isEqualTo(String.valueOf(size));
    }

    @Test
    void logsEveryRequestWithTheAuthorizationValueHidden() {
        // Given
        sim.addToken("hf_secret_token", "alice");
        sim.model("org/name").commit().lfsFile("w.bin", 10, 1);

        // When
        String cdn = http.get(sim.hubUrl() + "/org/name/resolve/main/w.bin", "Authorization", "Bearer hf_secret_token")
                .header("Location");
        http.get(cdn);

        // Then
        List<SimRequest> log = sim.requests();
        assertThat(log).hasSize(2);
        assertThat(log.get(0).listener()).isEqualTo("hub");
        assertThat(log.get(0).path()).isEqualTo("/org/name/resolve/main/w.bin");
        assertThat(log.get(0).headers()).containsEntry("authorization", "present");
        assertThat(log.get(0).status()).isEqualTo(302);
        assertThat(log.toString()).doesNotContain("hf_secret_token");
        assertThat(log.get(1).listener()).isEqualTo("cdn");
        assertThat(log.get(1).authorized()).isFalse();
        assertThat(log.get(1).bodyBytesSent()).isEqualTo(10);
        sim.clearRequests();
        assertThat(sim.requests()).isEmpty();
    }

    @Test
    void unknownRoutesAnswer404() {
        assertThat(http.get(sim.hubUrl() + "/").status()).isEqualTo(404);
        assertThat(http.get(sim.hubUrl() + "/api/unknown/x").status()).isEqualTo(404);
        assertThat(http.get(sim.cdnUrl() + "/repos/aa/bb/cc/dd").status()).isEqualTo(403);
    }

    static void assertError(SimHttp.Read r, int status, String code) {
        assertThat(r.status()).as("status").isEqualTo(status);
        assertThat(r.header("X-Error-Code")).as("X-Error-Code").isEqualTo(code);
        assertThat(r.header("X-Error-Message")).as("X-Error-Message").isNotBlank();
    }

    static String nextLink(String link) {
        if (link == null) {
            return null;
        }
        int lt = link.indexOf('<');
        int gt = link.indexOf('>');
        assertThat(link.substring(gt)).contains("rel=\"next\"");
        return link.substring(lt + 1, gt);
    }

    private static List<String> siblingNames(JsonObject info) {
        List<String> names = new ArrayList<>();
        info.getJsonArray("siblings").forEach(o -> names.add(((JsonObject) o).getString("rfilename")));
        return names;
    }
}
