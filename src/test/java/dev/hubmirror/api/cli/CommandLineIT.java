package dev.hubmirror.api.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubmirror.sim.HubSimulator;
import dev.hubmirror.sim.SimCommit;
import dev.hubmirror.sim.SimFile;
import dev.hubmirror.testing.CommandRun;
import dev.hubmirror.testing.S3ProxyServer;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.async.AsyncRequestBody;

/**
 * The command line of the packaged artifact, run as a child process the way an operator runs it (environment
 * variables, no service): help and usage errors, {@code mirror} into a directory and into s3proxy from the Hub
 * simulator, {@code verify} against the good copies, a damaged copy, and a copy made by another tool. One simulator
 * and one s3proxy serve every test; the two mirrors run once, in {@link #startServersAndMirror()}.
 */
class CommandLineIT {

    private static final long MIB = 1024 * 1024;
    private static final String BUCKET = "cli";
    private static final String REPO = "cli-org/tiny-model";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;

    static HubSimulator sim;
    static S3ProxyServer s3;
    static SimCommit commit;
    /** The HTTP and management ports, held by this JVM while the commands run: a listener there would fail boot. */
    static ServerSocket heldHttp;
    static ServerSocket heldManagement;
    static Path directoryStore;
    static CommandRun.Result directoryMirror;
    static CommandRun.Result s3Mirror;

    @BeforeAll
    static void startServersAndMirror() throws IOException {
        sim = HubSimulator.start();
        commit = sim.model(REPO).commit()
                .textFile("config.json", "{\"model_type\": \"bert\"}\n")
                .regularFile("tokenizer.json", 40_000, 1)
                .lfsFile("model.safetensors", 6 * MIB + 123, 2)
                .lfsFile("onnx/model.onnx", 300_000, 3);
        s3 = S3ProxyServer.start();
        s3.createBucket(BUCKET);
        heldHttp = new ServerSocket(0, 0, InetAddress.getByName("0.0.0.0"));
        heldManagement = new ServerSocket(0, 0, InetAddress.getByName("0.0.0.0"));

        directoryStore = work.resolve("dir-store");
        Map<String, String> env = hubEnv();
        env.put("MIRROR_STORE_URL", directoryStore.toString());
        env.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + closedPort());
        env.put("MIRROR_KAFKA_ENABLED", "true");
        env.put("QUARKUS_HTTP_PORT", Integer.toString(heldHttp.getLocalPort()));
        env.put("QUARKUS_MANAGEMENT_PORT", Integer.toString(heldManagement.getLocalPort()));
        directoryMirror = CommandRun.run("cli-mirror-dir", work.resolve("cwd-dir"), env, "mirror", REPO,
                "cli-org/no-such-model");

        Map<String, String> s3Env = hubEnv();
        s3Env.putAll(s3Env());
        s3Mirror = CommandRun.run("cli-mirror-s3", work.resolve("cwd-s3"), s3Env, "mirror", "--to",
                "s3://" + BUCKET + "/weights", "--exclude", "*.onnx", "--json", REPO + "@main");
    }

    @AfterAll
    static void stopServers() throws IOException {
        for (AutoCloseable c : new AutoCloseable[] {heldHttp, heldManagement, s3, sim}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    // best effort: the next one still closes
                }
            }
        }
    }

    @Test
    void helpListsTheCommandsAndTheExitCodesWithoutBooting() {
        // When
        CommandRun.Result help = CommandRun.run("cli-help", work.resolve("cwd-help"), Map.of(), "--help");
        CommandRun.Result verifyHelp = CommandRun.run("cli-verify-help", work.resolve("cwd-help"), Map.of(),
                "verify", "--help");

        // Then
        assertThat(help.exitCode()).as(help.describe()).isZero();
        assertThat(help.stdout()).contains("serve", "mirror", "verify", "Exit codes:");
        assertThat(help.stderr()).isEmpty();
        assertThat(verifyHelp.exitCode()).as(verifyHelp.describe()).isZero();
        assertThat(verifyHelp.stdout()).contains("--store=URL", "--deep", "--json", "INCOMPLETE", "UNVERIFIED");
    }

    @Test
    void anInvalidRepoIdOrStoreUrlIsAUsageErrorAndStartsNothing() {
        // When
        CommandRun.Result badRepo = CommandRun.run("cli-bad-repo", work.resolve("cwd-bad"), Map.of(), "mirror",
                "org/name/extra");
        CommandRun.Result badStore = CommandRun.run("cli-bad-store", work.resolve("cwd-bad"), Map.of(), "verify",
                "--store", "ftp://host/x", REPO);
        CommandRun.Result unknown = CommandRun.run("cli-unknown", work.resolve("cwd-bad"), Map.of(), "mirorr", REPO);

        // Then
        assertThat(badRepo.exitCode()).as(badRepo.describe()).isEqualTo(2);
        assertThat(badRepo.stderr()).contains("repo id 'org/name/extra' has more than one '/'");
        assertThat(badRepo.stdout()).isEmpty();
        assertThat(badStore.exitCode()).as(badStore.describe()).isEqualTo(2);
        assertThat(badStore.stderr()).contains("--store", "unsupported scheme 'ftp'");
        assertThat(unknown.exitCode()).as(unknown.describe()).isEqualTo(2);
        assertThat(unknown.stderr()).contains("mirror");
        assertThat(work.resolve("cwd-bad").resolve("data")).doesNotExist();
    }

    @Test
    void mirrorIntoADirectoryPrintsTheSnapshotAndClusterCacheUrlAndTheFailedRepoWithExitCode1() throws IOException {
        // Then: the repo that exists is mirrored, the one that does not fails with its reason, the exit code says so
        CommandRun.Result r = directoryMirror;
        assertThat(r.exitCode()).as(r.describe()).isEqualTo(1);
        String snapshot = directoryStore.toUri() + "models--cli-org--tiny-model/snapshots/" + commit.sha() + "/";
        assertThat(r.stdout()).contains("mirrored model " + REPO + "@main at " + commit.sha() + ": 4 files",
                "  snapshot: " + snapshot, "clusterCache.url: " + directoryStore.toUri());
        assertThat(r.stdout()).contains("  + model.safetensors (6.0 MiB)", "  + config.json (23 B)");
        assertThat(r.stderr()).contains("failed model cli-org/no-such-model@main: REPO_NOT_FOUND:",
                "1 of 2 repos failed (exit 1)");
        // and the files are the Hub's bytes, the ref holds the commit
        Path repo = directoryStore.resolve("models--cli-org--tiny-model");
        assertThat(Files.readString(repo.resolve("refs/main"), StandardCharsets.UTF_8)).isEqualTo(commit.sha());
        for (SimFile f : commit.files()) {
            assertThat(Files.readAllBytes(repo.resolve("snapshots/" + commit.sha() + "/" + f.path())))
                    .as(f.path()).isEqualTo(f.content());
        }
        // and it started no listener (the ports it was given are held here), no Kafka client, no API key file
        assertThat(r.stderr()).doesNotContainIgnoringCase("kafka").doesNotContain("Listening on");
        assertThat(work.resolve("cwd-dir").resolve("data")).doesNotExist();
    }

    @Test
    void mirrorIntoS3WithJsonPrintsOneDocumentWithTheSnapshotAndClusterCacheUrl() throws IOException {
        // Then
        CommandRun.Result r = s3Mirror;
        assertThat(r.exitCode()).as(r.describe()).isZero();
        JsonNode doc = JSON.readTree(r.stdout());
        assertThat(doc.get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(doc.get("exitCode").asInt()).isZero();
        assertThat(doc.get("clusterCacheUrl").asText()).isEqualTo("s3://" + BUCKET + "/weights/");
        JsonNode repo = doc.get("repos").get(0);
        assertThat(repo.get("repo").asText()).isEqualTo(REPO);
        assertThat(repo.get("commit").asText()).isEqualTo(commit.sha());
        assertThat(repo.get("snapshotUrl").asText())
                .isEqualTo("s3://" + BUCKET + "/weights/models--cli-org--tiny-model/snapshots/" + commit.sha() + "/");
        assertThat(repo.get("files").asInt()).isEqualTo(3);
        assertThat(repo.get("error").isNull()).isTrue();
        String base = "weights/models--cli-org--tiny-model/";
        assertThat(s3.keys(BUCKET, base + "snapshots/")).containsExactlyInAnyOrder(
                base + "snapshots/" + commit.sha() + "/config.json",
                base + "snapshots/" + commit.sha() + "/tokenizer.json",
                base + "snapshots/" + commit.sha() + "/model.safetensors");
        assertThat(s3.objectBytes(BUCKET, base + "snapshots/" + commit.sha() + "/model.safetensors"))
                .isEqualTo(commit.file("model.safetensors").content());
        assertThat(new String(s3.objectBytes(BUCKET, base + "refs/main"), StandardCharsets.UTF_8))
                .isEqualTo(commit.sha());
    }

    @Test
    void verifyOfTheGoodCopiesIsCompleteAndOfADamagedCopyListsTheMissingAndWrongFilesWithExitCode3()
            throws IOException {
        // Given a copy of the directory store with one file deleted and one byte of another changed (same size)
        Path damaged = work.resolve("damaged-store");
        copyTree(directoryStore, damaged);
        Path snapshot = damaged.resolve("models--cli-org--tiny-model/snapshots/" + commit.sha());
        Files.delete(snapshot.resolve("config.json"));
        flipOneByte(snapshot.resolve("tokenizer.json"));

        // When
        CommandRun.Result goodDir = CommandRun.run("cli-verify-dir", work.resolve("cwd-verify"), Map.of(), "verify",
                "--store", directoryStore.toString(), REPO);
        Map<String, String> s3Env = s3Env();
        CommandRun.Result goodS3 = CommandRun.run("cli-verify-s3", work.resolve("cwd-verify"), s3Env, "verify",
                "--store", "s3://" + BUCKET + "/weights", "--exclude", "*.onnx", REPO + "@main");
        CommandRun.Result stat = CommandRun.run("cli-verify-damaged", work.resolve("cwd-verify"), Map.of(), "verify",
                "--store", damaged.toUri().toString(), REPO);
        CommandRun.Result deep = CommandRun.run("cli-verify-damaged-deep", work.resolve("cwd-verify"), Map.of(),
                "verify", "--store", damaged.toString(), "--deep", "--json", REPO);

        // Then the good copies are COMPLETE
        assertThat(goodDir.exitCode()).as(goodDir.describe()).isZero();
        assertThat(goodDir.stdout()).contains("COMPLETE model " + REPO + "@main at " + commit.sha()
                + ": 4 of 4 files verified");
        assertThat(goodS3.exitCode()).as(goodS3.describe()).isZero();
        assertThat(goodS3.stdout()).contains("COMPLETE model " + REPO + "@main", "3 of 3 files verified");
        // and the damaged one is INCOMPLETE: stat finds the missing file, --deep also the changed one
        assertThat(stat.exitCode()).as(stat.describe()).isEqualTo(3);
        assertThat(stat.stdout()).contains("INCOMPLETE model " + REPO + "@main", "1 missing",
                "  missing     config.json (23 B)");
        assertThat(deep.exitCode()).as(deep.describe()).isEqualTo(3);
        JsonNode report = JSON.readTree(deep.stdout());
        assertThat(report.get("status").asText()).isEqualTo("INCOMPLETE");
        JsonNode repo = report.get("repos").get(0);
        assertThat(repo.get("missing").get(0).get("path").asText()).isEqualTo("config.json");
        assertThat(repo.get("wrong").get(0).get("path").asText()).isEqualTo("tokenizer.json");
        assertThat(repo.get("wrong").get(0).get("problem").asText()).isEqualTo("WRONG_HASH");
        assertThat(repo.get("deep").asBoolean()).isTrue();
    }

    @Test
    void aCopyMadeByAnotherToolIsUnverifiedWithExitCode4UntilDeepRehashesItAndFindsTheChangedFile() {
        // Given the S3 mirror copied object by object to another prefix without the recorded hashes, as a plain
        // copy tool does, with one byte of the model changed on the way
        String from = "weights/models--cli-org--tiny-model/";
        String to = "copied/models--cli-org--tiny-model/";
        for (String key : s3.keys(BUCKET, from)) {
            byte[] bytes = s3.objectBytes(BUCKET, key);
            if (key.endsWith("/model.safetensors")) {
                bytes[bytes.length / 2] ^= 1;
            }
            s3.client().putObject(b -> b.bucket(BUCKET).key(to + key.substring(from.length())),
                    AsyncRequestBody.fromBytes(bytes)).join();
        }

        // When
        CommandRun.Result stat = CommandRun.run("cli-verify-copied", work.resolve("cwd-copied"), s3Env(), "verify",
                "--store", "s3://" + BUCKET + "/copied", "--exclude", "*.onnx", REPO);
        CommandRun.Result deep = CommandRun.run("cli-verify-copied-deep", work.resolve("cwd-copied"), s3Env(),
                "verify", "--store", "s3://" + BUCKET + "/copied", "--exclude", "*.onnx", "--deep", REPO);

        // Then
        assertThat(stat.exitCode()).as(stat.describe()).isEqualTo(4);
        assertThat(stat.stdout()).contains("UNVERIFIED model " + REPO + "@main",
                "  unverified  model.safetensors (no recorded hash: run --deep)");
        assertThat(deep.exitCode()).as(deep.describe()).isEqualTo(3);
        assertThat(deep.stdout()).contains("INCOMPLETE model " + REPO + "@main", "2 of 3 files verified",
                "  wrong       model.safetensors: hash ");
    }

    @Test
    void onATerminalTheStatusLineIsRedrawnInPlaceWithFilesBytesRateAndEta() {
        // Given a rate limit on the model file, so that the mirror lasts a few display ticks
        sim.faults().tooManyRequests("model.safetensors", 1, 1);
        Map<String, String> env = hubEnv();
        env.put("TERM", "xterm");

        // When
        CommandRun.Result r;
        try {
            r = CommandRun.runOnTerminal("cli-mirror-terminal", work.resolve("cwd-terminal"), env, "mirror", "--to",
                    work.resolve("terminal-store").toString(), REPO);
        } finally {
            sim.faults().clear();
        }

        // Then: a status line starts with a carriage return and ends by clearing the rest of the line
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.stdout()).containsPattern("\\rmodel " + REPO + "@main  [0-9]/4 files  [^\\r\\n]*%  [^\\r\\n]*"
                + "ETA [^\\r\\n]*elapsed [0-9:]+\u001b\\[K")
                .contains("\r\u001b[K  + model.safetensors (6.0 MiB)", "mirrored model " + REPO + "@main at "
                        + commit.sha());
    }

    private static Map<String, String> hubEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HF_ENDPOINT", sim.hubUrl());
        env.put("MIRROR_HUB_REDIRECT_ALLOWLIST", "127.0.0.1");
        env.put("MIRROR_HUB_ALLOW_PRIVATE_REDIRECTS", "true");
        env.put("MIRROR_TRANSFER_PART_SIZE", "5M");
        env.put("MIRROR_TRANSFER_SINGLE_PUT_THRESHOLD", "1M");
        env.put("MIRROR_TRANSFER_MEMORY_BUDGET", "64M");
        return env;
    }

    private static Map<String, String> s3Env() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("AWS_ENDPOINT_URL_S3", s3.endpoint().toString());
        env.put("AWS_REGION", s3.region());
        env.put("AWS_ACCESS_KEY_ID", s3.accessKey());
        env.put("AWS_SECRET_ACCESS_KEY", s3.secretKey());
        return env;
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.sorted(Comparator.naturalOrder()).toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                    copyAttributes(p, target);
                }
            }
        }
    }

    /** The directory store records hashes in user xattrs where the file system has them, else in sidecar files. */
    private static void copyAttributes(Path from, Path to) throws IOException {
        UserDefinedFileAttributeView source = Files.getFileAttributeView(from, UserDefinedFileAttributeView.class);
        UserDefinedFileAttributeView target = Files.getFileAttributeView(to, UserDefinedFileAttributeView.class);
        if (source == null || target == null) {
            return;
        }
        List<String> names;
        try {
            names = source.list();
        } catch (IOException | UnsupportedOperationException ignored) {
            return; // no xattrs here: the hashes are in the sidecar files, copied with the tree
        }
        for (String name : names) {
            ByteBuffer value = ByteBuffer.allocate(source.size(name));
            source.read(name, value);
            value.flip();
            target.write(name, value);
        }
    }

    private static void flipOneByte(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 1;
        Files.write(file, bytes, StandardOpenOption.TRUNCATE_EXISTING);
    }
}
