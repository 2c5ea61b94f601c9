package dev.hubmirror.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubmirror.sim.HubSimulator;
import dev.hubmirror.sim.SimCommit;
import dev.hubmirror.sim.SimFile;
import dev.hubmirror.testing.FaultyS3Proxy;
import dev.hubmirror.testing.GatedHubProxy;
import dev.hubmirror.testing.KafkaBroker;
import dev.hubmirror.testing.Poll;
import dev.hubmirror.testing.S3ProxyServer;
import dev.hubmirror.testing.ServiceApi;
import dev.hubmirror.testing.ServiceProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash and resume (issue 7, item 1): the packaged service (a child process) is killed with SIGKILL in the middle of a
 * job while a repo with several files, two of them multipart, streams into s3proxy (or a directory); a new process
 * finishes the job. With Kafka on the job comes back by itself (its admission record is in the job-state topic, see
 * docs/adr/0001-kafka-delivery.md); with Kafka off the caller submits it again. Either way: files verified before the
 * crash are not downloaded again, the file that was being written starts again from its first part after the upload
 * the killed process left open is aborted (the service does not resume S3 multipart uploads from their listed parts),
 * no partial object is ever visible, and no upload is left open once the job ends.
 *
 * <p>The kill lands at a deterministic point: a {@link FaultyS3Proxy} in front of s3proxy holds the third part of any
 * upload, so the job is inside {@code d-three-parts.bin} (parts 1 and 2 sent, part 3 held) after {@code a}, {@code b}
 * and {@code c} were verified and stored (one file at a time, in listing order).
 */
class CrashResumeIT {

    private static final long MIB = 1024 * 1024;
    private static final long PART = 5 * MIB;
    private static final String BUCKET = "crash";
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final List<String> BEFORE_CRASH = List.of("a-config.json", "b-small.bin", "c-two-parts.bin");
    private static final String INTERRUPTED = "d-three-parts.bin";
    private static final String AFTER_CRASH = "e-last.txt";

    @TempDir
    static Path directoryStore;

    static HubSimulator sim;
    static S3ProxyServer s3;
    static FaultyS3Proxy s3Gate;
    static KafkaBroker broker;

    private final List<ServiceProcess> services = new ArrayList<>();

    @BeforeAll
    static void startServers() {
        sim = HubSimulator.start();
        s3 = S3ProxyServer.start();
        s3.createBucket(BUCKET);
        s3Gate = FaultyS3Proxy.start(s3.endpoint());
        broker = KafkaBroker.start();
        broker.createServiceTopics("hub-mirror", 2, 2);
    }

    @AfterAll
    static void stopServers() {
        for (AutoCloseable c : new AutoCloseable[] {s3Gate, s3, sim, broker}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    // best effort: the next one still closes
                }
            }
        }
    }

    @AfterEach
    void stopServices() {
        services.forEach(ServiceProcess::close);
        s3Gate.reset();
    }

    @Test
    void withKafkaOffAResubmittedJobSkipsTheVerifiedFilesAndRestartsOnlyTheInterruptedOne() {
        // Given a job killed inside its fourth file
        SimCommit c = repo("crash/s3-rest");
        Map<String, String> config = s3Config("rest");
        String base = "rest/models--crash--s3-rest/";
        ServiceProcess first = launch("crash-rest-1", config);
        s3Gate.holdParts(3);
        ServiceApi.of(first).submit("{\"models\": [\"crash/s3-rest\"]}");
        // parts 1 and 2 stored (answered), part 3 held: no request is cut halfway into s3proxy by the kill
        awaitTrue(() -> s3Gate.heldParts() > 0 && s3Gate.forwarding() == 0,
                "part 3 of " + INTERRUPTED + " to be held, and the parts before it stored", first);

        // When the process dies
        first.kill();

        // Then at the kill: the verified files are visible and complete, the interrupted one is not, its upload is open
        Map<String, Long> getsAtKill = contentGets(c);
        assertVisibleSnapshotObjectsAreComplete(base, c);
        assertThat(snapshotKeys(base)).containsExactlyInAnyOrderElementsOf(keys(base, c, BEFORE_CRASH));
        assertThat(openUploads(base)).containsExactly(base + "snapshots/" + c.sha() + "/" + INTERRUPTED);

        // When the caller submits the same repo to a new process
        s3Gate.reset();
        ServiceProcess second = launch("crash-rest-2", config);
        JsonNode job = awaitFinished(second, ServiceApi.of(second).submit("{\"models\": [\"crash/s3-rest\"]}"));

        // Then
        assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
        assertThat(job.get("files").get("skipped").asInt()).isEqualTo(3);
        assertResumedSnapshot(base, c, getsAtKill);
    }

    @Test
    void withKafkaOnTheJobComesBackByItselfAfterTheProcessRestarts() {
        // Given a job (submitted through Kafka by the REST API) killed inside its fourth file
        SimCommit c = repo("crash/s3-kafka");
        Map<String, String> config = s3Config("kafka");
        config.put("kafka.bootstrap.servers", broker.bootstrapServers());
        config.put("kafka.session.timeout.ms", "3000");
        config.put("kafka.heartbeat.interval.ms", "500");
        config.put("mirror.kafka.instance", "solo");
        config.put("mirror.kafka.progress-interval", "500ms");
        String base = "kafka/models--crash--s3-kafka/";
        ServiceProcess first = launch("crash-kafka-1", config);
        s3Gate.holdParts(3);
        String id = ServiceApi.of(first).submit("{\"models\": [\"crash/s3-kafka\"]}");
        // parts 1 and 2 stored (answered), part 3 held: no request is cut halfway into s3proxy by the kill
        awaitTrue(() -> s3Gate.heldParts() > 0 && s3Gate.forwarding() == 0,
                "part 3 of " + INTERRUPTED + " to be held, and the parts before it stored", first);

        // When the process dies and comes back, and nobody submits anything
        first.kill();
        Map<String, Long> getsAtKill = contentGets(c);
        assertVisibleSnapshotObjectsAreComplete(base, c);
        assertThat(snapshotKeys(base)).containsExactlyInAnyOrderElementsOf(keys(base, c, BEFORE_CRASH));
        assertThat(openUploads(base)).containsExactly(base + "snapshots/" + c.sha() + "/" + INTERRUPTED);
        s3Gate.reset();
        ServiceProcess second = launch("crash-kafka-2", config);

        // Then the same job resumes and succeeds
        JsonNode job = awaitFinished(second, id);
        assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
        assertThat(job.get("files").get("skipped").asInt()).isEqualTo(3);
        assertResumedSnapshot(base, c, getsAtKill);
    }

    @Test
    void theDirectoryStoreNeverShowsTheTempFileOfAKilledRunAndTheNextRunRemovesIt() throws IOException {
        // Given a job into a directory killed while its fourth file's upload is open (the file's first part is held
        // at the Hub)
        SimCommit c = repo("crash/dir");
        try (GatedHubProxy hub = GatedHubProxy.start(sim.hubUrl())) {
            Map<String, String> config = baseConfig(hub.url());
            config.put("mirror.store.url", directoryStore.toUri().toString());
            ServiceProcess first = launch("crash-dir-1", config);
            hub.hold(INTERRUPTED);
            ServiceApi.of(first).submit("{\"models\": [\"crash/dir\"]}");
            awaitTrue(() -> hub.heldSoFar() > 0, INTERRUPTED + " to be held", first);
            Path snapshot = directoryStore.resolve("models--crash--dir/snapshots/" + c.sha());
            // temp files live under the store's own folder, in the mirror of the snapshot's path
            Path temps = directoryStore.resolve(".hub-mirror/tmp/models--crash--dir/snapshots/" + c.sha());
            awaitTrue(() -> !tempFiles(temps).isEmpty(), "the temp file of " + INTERRUPTED, first);

            // When
            first.kill();

            // Then the temp file is hidden and the interrupted file's name does not exist
            assertThat(tempFiles(temps)).singleElement().satisfies(p -> assertThat(p.getFileName().toString())
                    .startsWith("." + INTERRUPTED + ".").endsWith(".part"));
            assertThat(tempFiles(snapshot)).isEmpty();
            assertThat(snapshot.resolve(INTERRUPTED)).doesNotExist();
            for (String path : BEFORE_CRASH) {
                assertThat(snapshot.resolve(path)).hasBinaryContent(c.file(path).content());
            }

            // When the caller submits it again to a new process
            hub.release();
            ServiceProcess second = launch("crash-dir-2", config);
            JsonNode job = awaitFinished(second, ServiceApi.of(second).submit("{\"models\": [\"crash/dir\"]}"));

            // Then
            assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
            assertThat(tempFiles(directoryStore.resolve(".hub-mirror/tmp/models--crash--dir"))).isEmpty();
            for (SimFile f : c.files()) {
                assertThat(snapshot.resolve(f.path())).hasBinaryContent(f.content());
            }
            assertThat(directoryStore.resolve("models--crash--dir/refs/main")).hasContent(c.sha());
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** Five files in listing order: two single-PUT files, a two-part file, a three-part file, a small last file. */
    private static SimCommit repo(String id) {
        return sim.model(id).commit()
                .regularFile("a-config.json", 20_000, 1)
                .lfsFile("b-small.bin", 300_000, 2)
                .lfsFile("c-two-parts.bin", PART + 1000, 3)
                .lfsFile(INTERRUPTED, 2 * PART + 1000, 4)
                .textFile(AFTER_CRASH, "the end\n");
    }

    private static Map<String, String> baseConfig(String hubUrl) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("mirror.hub.endpoint", hubUrl);
        config.put("mirror.hub.redirect-allowlist", "127.0.0.1");
        config.put("mirror.hub.initial-backoff", "10ms");
        config.put("mirror.hub.max-backoff", "50ms");
        config.put("mirror.hub.idle-timeout", "60s");
        config.put("mirror.transfer.part-size", "5M");
        config.put("mirror.transfer.single-put-threshold", "1M");
        config.put("mirror.transfer.parts-in-flight", "2");
        config.put("mirror.transfer.files-in-flight", "1");
        config.put("mirror.transfer.memory-budget", "64M");
        return config;
    }

    private static Map<String, String> s3Config(String prefix) {
        Map<String, String> config = baseConfig(sim.hubUrl());
        config.put("mirror.store.url", "s3://" + BUCKET + "/" + prefix);
        config.put("mirror.store.s3.endpoint", s3Gate.endpoint().toString());
        config.put("mirror.store.s3.region", s3.region());
        config.put("mirror.store.s3.path-style", "true");
        config.put("mirror.store.s3.max-attempts", "3");
        config.put("aws.accessKeyId", s3.accessKey());
        config.put("aws.secretAccessKey", s3.secretKey());
        return config;
    }

    private ServiceProcess launch(String name, Map<String, String> config) {
        ServiceProcess service = ServiceProcess.launch(name, config);
        services.add(service);
        return service.awaitReady();
    }

    /** Content GETs per path so far: CDN GETs of LFS files, resolve-cache GETs of regular files. */
    private static Map<String, Long> contentGets(SimCommit c) {
        Map<String, Long> gets = new LinkedHashMap<>();
        var requests = sim.requests();
        for (SimFile f : c.files()) {
            gets.put(f.path(), requests.stream().filter(r -> r.method().equals("GET") && (f.lfs()
                    ? r.listener().equals("cdn") && r.path().contains(f.sha256())
                    : r.path().startsWith("/api/resolve-cache/") && r.path().contains(c.sha() + "/" + f.path())))
                    .count());
        }
        return gets;
    }

    private static List<String> keys(String base, SimCommit c, List<String> paths) {
        return paths.stream().map(p -> base + "snapshots/" + c.sha() + "/" + p).toList();
    }

    private static List<String> snapshotKeys(String base) {
        return s3.keys(BUCKET, base + "snapshots/");
    }

    private static List<String> openUploads(String base) {
        return s3.uploadsInProgress(BUCKET).stream().map(u -> u.key()).filter(k -> k.startsWith(base)).toList();
    }

    /** Every object visible under {@code snapshots/} has the size and sha256 of its file. */
    private static void assertVisibleSnapshotObjectsAreComplete(String base, SimCommit c) {
        String folder = base + "snapshots/" + c.sha() + "/";
        for (String key : snapshotKeys(base)) {
            assertThat(key).startsWith(folder);
            SimFile f = c.file(key.substring(folder.length()));
            byte[] bytes = s3.objectBytes(BUCKET, key);
            assertThat(bytes.length).as("size of %s", key).isEqualTo(f.size());
            assertThat(sha256(bytes)).as("sha256 of %s", key).isEqualTo(f.sha256());
        }
    }

    private static void assertResumedSnapshot(String base, SimCommit c, Map<String, Long> getsAtKill) {
        assertVisibleSnapshotObjectsAreComplete(base, c);
        assertThat(snapshotKeys(base)).hasSize(c.files().size());
        assertThat(new String(s3.objectBytes(BUCKET, base + "refs/main"))).isEqualTo(c.sha());
        assertThat(openUploads(base)).isEmpty();
        Map<String, Long> gets = contentGets(c);
        for (String path : BEFORE_CRASH) {
            assertThat(gets.get(path)).as("content GETs of %s, verified before the crash", path)
                    .isEqualTo(getsAtKill.get(path)).isPositive();
        }
        assertThat(gets.get(INTERRUPTED)).as("content GETs of %s, restarted", INTERRUPTED)
                .isGreaterThan(getsAtKill.get(INTERRUPTED));
        assertThat(gets.get(AFTER_CRASH)).isEqualTo(1);
    }

    private static List<Path> tempFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".part")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private JsonNode awaitFinished(ServiceProcess service, String id) {
        ServiceApi api = ServiceApi.of(service);
        return await(() -> api.job(id).filter(j -> List.of("SUCCEEDED", "FAILED", "CANCELLED")
                .contains(j.path("status").asText())), "job " + id + " to finish", service);
    }

    private static void awaitTrue(BooleanSupplier condition, String what, ServiceProcess service) {
        await(() -> condition.getAsBoolean() ? Optional.of(true) : Optional.empty(), what, service);
    }

    /** Polls until {@code probe} yields a value; fails naming {@code what} with the service's log tail. */
    private static <T> T await(Supplier<Optional<T>> probe, String what, ServiceProcess service) {
        return Poll.until(probe, WAIT, what, () -> "\n--- " + service.name() + ":\n" + service.tail());
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
