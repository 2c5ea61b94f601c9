package dev.hubmirror.api.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.job.JobKey;
import dev.hubmirror.sim.HubSimulator;
import dev.hubmirror.sim.SimCommit;
import dev.hubmirror.sim.SimRepo;
import dev.hubmirror.testing.ApiKeys;
import dev.hubmirror.testing.GatedHubProxy;
import dev.hubmirror.testing.KafkaBroker;
import dev.hubmirror.testing.Poll;
import dev.hubmirror.testing.ServiceProcess;
import dev.hubmirror.transfer.MirrorSpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas of the packaged service (child processes, one consumer group) against a real Kafka broker and the Hub
 * simulator, mirroring into one directory store. Each replica reaches the Hub through its own {@link GatedHubProxy},
 * so that a test can hold a job in the middle of its work. Tests use their own repos and request ids; the crash test
 * kills a replica and runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaMirrorIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String TOPICS = "hub-mirror";
    private static final int JOB_PARTITIONS = 4;
    private static final String ALICE_TOKEN = "hf_alice_it_token_never_logged";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path store;

    static KafkaBroker broker;
    static HubSimulator sim;
    static GatedHubProxy alphaHub;
    static GatedHubProxy betaHub;
    static ServiceProcess alpha;
    static ServiceProcess beta;
    static KafkaProducer<String, byte[]> producer;
    static TopicReader reader;
    static HttpClient http;

    @BeforeAll
    static void startEverything() {
        broker = KafkaBroker.start();
        broker.createServiceTopics(TOPICS, 2, JOB_PARTITIONS);
        sim = HubSimulator.start();
        sim.addToken(ALICE_TOKEN, "alice");
        alphaHub = GatedHubProxy.start(sim.hubUrl());
        betaHub = GatedHubProxy.start(sim.hubUrl());
        alpha = ServiceProcess.launch("alpha", serviceConfig("alpha", alphaHub));
        beta = ServiceProcess.launch("beta", serviceConfig("beta", betaHub));
        alpha.awaitReady();
        beta.awaitReady();
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
        reader = new TopicReader(broker.bootstrapServers(), List.of(TOPICS + ".events", TOPICS + ".requests.dlq"));
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        awaitGroupSplit(TOPICS + "-jobs");
    }

    @AfterAll
    static void stopEverything() {
        for (AutoCloseable c : new AutoCloseable[] {alpha, beta, reader, producer, alphaHub, betaHub, sim, broker}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    // best effort: the next resource still closes
                }
            }
        }
    }

    static Map<String, String> serviceConfig(String instance, GatedHubProxy hub) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("kafka.bootstrap.servers", broker.bootstrapServers());
        config.put("kafka.session.timeout.ms", "3000");
        config.put("kafka.heartbeat.interval.ms", "500");
        config.put("mirror.kafka.instance", instance);
        config.put("mirror.kafka.progress-interval", "500ms");
        config.put("mirror.hub.endpoint", hub.url());
        config.put("mirror.hub.redirect-allowlist", "127.0.0.1");
        config.put("mirror.hub.allow-private-redirects", "true");
        config.put("mirror.api.keys.it.key", ApiKeys.SUBMIT);
        config.put("mirror.api.keys.it.role", "submit");
        config.put("mirror.hub.initial-backoff", "10ms");
        config.put("mirror.hub.max-backoff", "50ms");
        config.put("mirror.hub.idle-timeout", "60s");
        config.put("mirror.store.url", store.toUri().toString());
        config.put("mirror.tokens.alice", ALICE_TOKEN);
        config.put("mirror.transfer.files-in-flight", "1");
        config.put("mirror.transfer.memory-budget", "64M");
        return config;
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void aRequestBecomesAJobAndASucceededEventWithTheSnapshotUrl() {
        // Given
        SimCommit c = model("org/it-tiny").commit().textFile("config.json", "{\"model_type\": \"bert\"}\n")
                .lfsFile("model.safetensors", 3 << 20, 1);

        // When
        send("req-tiny", request("req-tiny", "team-search", List.of("org/it-tiny"), Map.of()));

        // Then
        JsonNode accepted = awaitEvent("req-tiny", "accepted");
        JsonNode succeeded = awaitEvent("req-tiny", "succeeded");
        assertThat(accepted.get("jobId").asText()).isEqualTo(succeeded.get("jobId").asText());
        assertThat(succeeded.get("requester").asText()).isEqualTo("team-search");
        assertThat(succeeded.get("repo").asText()).isEqualTo("org/it-tiny");
        assertThat(succeeded.get("type").asText()).isEqualTo("model");
        assertThat(succeeded.get("revision").asText()).isEqualTo("main");
        assertThat(succeeded.get("commit").asText()).isEqualTo(c.sha());
        assertThat(succeeded.get("snapshotUrl").asText()).startsWith("file:")
                .endsWith("/models--org--it-tiny/snapshots/" + c.sha() + "/");
        assertThat(succeeded.get("files").asInt()).isEqualTo(2);
        assertThat(succeeded.get("bytes").asLong()).isEqualTo((3 << 20) + c.file("config.json").size());
        assertThat(succeeded.get("durationMs").asLong()).isNotNegative();
        assertThat(succeeded.get("instance").asText()).isIn("alpha", "beta");
        assertThat(succeeded.has("reason")).isFalse();
        assertThat(store.resolve("models--org--it-tiny/snapshots/" + c.sha() + "/model.safetensors"))
                .hasBinaryContent(c.file("model.safetensors").content());
        assertThat(store.resolve("models--org--it-tiny/refs/main")).hasContent(c.sha());
        // every replica answers for the job, whichever ran it
        String jobId = succeeded.get("jobId").asText();
        for (ServiceProcess instance : List.of(alpha, beta)) {
            JsonNode job = awaitJob(instance, jobId, "SUCCEEDED");
            assertThat(job.get("requestId").asText()).isEqualTo("req-tiny");
            assertThat(job.get("snapshotUrl").asText()).isEqualTo(succeeded.get("snapshotUrl").asText());
        }
    }

    @Test
    @Order(2)
    void malformedAndInvalidRequestsGoToTheDeadLetterTopicAndConsumptionGoesOn() {
        // Given
        model("org/it-after-dlq").commit().textFile("config.json", "{}");
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("dlq-malformed", "{\"requestId\": \"dlq-malformed\", \"models\": [");
        bad.put("dlq-no-id", "{\"models\": [\"org/it-after-dlq\"]}");
        bad.put("dlq-bad-repo", "{\"requestId\": \"dlq-bad-repo\", \"models\": [\"org//x\"]}");
        bad.put("dlq-target", "{\"requestId\": \"dlq-target\", \"models\": [\"org/it-after-dlq\"], "
                + "\"target\": \"s3://somewhere/else\"}");
        bad.put("dlq-token", "{\"requestId\": \"dlq-token\", \"models\": [\"org/it-after-dlq\"], "
                + "\"tokenName\": \"bob\"}");

        // When
        bad.forEach((key, value) -> send(key, value));
        send("dlq-valid", request("dlq-valid", "team", List.of("org/it-after-dlq"), Map.of()));

        // Then
        awaitEvent("dlq-valid", "succeeded");
        Map<String, ConsumerRecord<String, byte[]>> dead = new TreeMap<>();
        await(() -> {
            reader.records(TOPICS + ".requests.dlq").forEach(r -> dead.put(r.key(), r));
            return dead.keySet().containsAll(bad.keySet()) ? Optional.of(true) : Optional.empty();
        }, "dead letters for " + bad.keySet());
        bad.forEach((key, value) -> {
            ConsumerRecord<String, byte[]> record = dead.get(key);
            assertThat(new String(record.value(), StandardCharsets.UTF_8)).isEqualTo(value);
            assertThat(header(record, "hub-mirror-reason")).isEqualTo("INVALID_REQUEST");
            assertThat(header(record, "dead-letter-reason")).isNotBlank();
            assertThat(header(record, "dead-letter-topic")).isEqualTo(TOPICS + ".requests");
        });
        assertThat(header(dead.get("dlq-malformed"), "dead-letter-reason")).contains("malformed JSON");
        assertThat(header(dead.get("dlq-no-id"), "dead-letter-reason")).contains("requestId");
        assertThat(header(dead.get("dlq-bad-repo"), "dead-letter-reason")).contains("org//x");
        assertThat(header(dead.get("dlq-target"), "dead-letter-reason")).contains("unknown target");
        assertThat(header(dead.get("dlq-token"), "dead-letter-reason")).contains("unknown token name");
        assertThat(header(dead.get("dlq-bad-repo"), "hub-mirror-request-id")).isEqualTo("dlq-bad-repo");
        assertThat(events("dlq-target")).isEmpty();
    }

    @Test
    @Order(3)
    void theSameRequestIdDeliveredTwiceTransfersOnce() {
        // Given
        SimCommit c = model("org/it-dup").commit().lfsFile("weights.bin", 1 << 20, 3);
        String request = request("req-dup", "team", List.of("org/it-dup"), Map.of());

        // When the same request is delivered twice, then another request for the same repo (same record key, so
        // the replicas read them in this order)
        send("dup-key", request);
        send("dup-key", request);
        send("dup-key", request("req-dup-later", "team", List.of("org/it-dup"), Map.of()));

        // Then
        awaitEvent("req-dup-later", "succeeded");
        assertThat(events("req-dup")).extracting(e -> e.get("event").asText())
                .containsExactlyInAnyOrder("accepted", "succeeded");
        assertThat(cdnGets(c.file("weights.bin").sha256())).isEqualTo(1);
        assertThat(awaitEvent("req-dup-later", "succeeded").get("filesSkipped").asInt()).isEqualTo(1);
    }

    @Test
    @Order(4)
    void identicalConcurrentRequestsTransferOnce() {
        // Given
        SimCommit c = model("org/it-same").commit().lfsFile("weights.bin", 2 << 20, 4).textFile("a.json", "{}");

        // When two teams ask for the same repo at once
        send("team-a", request("req-same-a", "team-a", List.of("org/it-same"), Map.of()));
        send("team-b", request("req-same-b", "team-b", List.of("org/it-same"), Map.of()));

        // Then both hear of success, and the bytes came from the Hub once
        JsonNode a = awaitEvent("req-same-a", "succeeded");
        JsonNode b = awaitEvent("req-same-b", "succeeded");
        assertThat(a.get("jobId").asText()).isNotEqualTo(b.get("jobId").asText());
        assertThat(a.get("snapshotUrl").asText()).isEqualTo(b.get("snapshotUrl").asText());
        assertThat(cdnGets(c.file("weights.bin").sha256())).isEqualTo(1);
        assertThat(List.of(a.get("filesSkipped").asInt(), b.get("filesSkipped").asInt())).containsExactlyInAnyOrder(0,
                2);
    }

    @Test
    @Order(5)
    void aGatedRepoWithoutATokenFailsWithItsReasonAndWorksWithANamedToken() {
        // Given
        SimRepo repo = model("org/it-gated").gated(true).grant("alice");
        repo.commit().textFile("config.json", "{}").lfsFile("w.bin", 4000, 5);

        // When
        send("gated", request("req-gated", "team", List.of("org/it-gated"), Map.of()));
        send("gated", request("req-gated-token", "team", List.of("org/it-gated"), Map.of("tokenName", "alice")));

        // Then
        JsonNode failed = awaitEvent("req-gated", "failed");
        assertThat(failed.get("reason").asText()).isEqualTo("GATED_REPO");
        assertThat(failed.get("message").asText()).contains("org/it-gated").doesNotContain(ALICE_TOKEN);
        assertThat(failed.has("snapshotUrl")).isFalse();
        assertThat(awaitEvent("req-gated-token", "succeeded").get("files").asInt()).isEqualTo(2);
        assertThat(reader.allText()).doesNotContain(ALICE_TOKEN);
    }

    @Test
    @Order(5)
    void aNamedTokenEchoedInATreePathIsRedactedFromTheFailedEventAndTheServiceLogs() throws IOException {
        // Given: a Hub that lists an unsafe path holding the named token's value
        SimRepo repo = model("org/it-echo");
        repo.commit().textFile("config.json", "{}").hostileTextFile("../" + ALICE_TOKEN + "/x.bin", "x");

        // When
        send("echo", request("req-echo", "team", List.of("org/it-echo"), Map.of("tokenName", "alice")));

        // Then: the failure event names the path with the token redacted; no event and no log line holds it
        JsonNode failed = awaitEvent("req-echo", "failed");
        assertThat(failed.get("reason").asText()).isEqualTo("UNSAFE_PATH");
        assertThat(failed.get("message").asText()).contains("'../<redacted>/x.bin'").doesNotContain(ALICE_TOKEN);
        assertThat(reader.allText()).doesNotContain(ALICE_TOKEN);
        String logs = Files.readString(Path.of("target", "it-logs", "alpha.log"), StandardCharsets.UTF_8)
                + Files.readString(Path.of("target", "it-logs", "beta.log"), StandardCharsets.UTF_8);
        assertThat(logs).contains("org/it-echo").contains("<redacted>").doesNotContain(ALICE_TOKEN);
    }

    @Test
    @Order(6)
    void twoInstancesInOneGroupSplitTheWork() {
        // Given one repo per job-order partition (the order key is the job key)
        Map<Integer, String> repoByPartition = new TreeMap<>();
        for (int i = 0; repoByPartition.size() < JOB_PARTITIONS; i++) {
            String repo = "org/it-split-" + i;
            String key = JobKey.of(new MirrorSpec(RepoRef.model(repo, "main"))).text();
            repoByPartition.putIfAbsent(Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8)))
                    % JOB_PARTITIONS, repo);
        }
        repoByPartition.values().forEach(repo -> model(repo).commit().textFile("config.json", repo));

        // When
        repoByPartition.values().forEach(repo -> send(repo, request("req-" + repo, "team", List.of(repo), Map.of())));

        // Then both replicas ran some of them
        Set<String> ranBy = repoByPartition.values().stream()
                .map(repo -> awaitEvent("req-" + repo, "succeeded").get("instance").asText())
                .collect(Collectors.toSet());
        assertThat(ranBy).containsExactlyInAnyOrder("alpha", "beta");
    }

    @Test
    @Order(7)
    void aRestSubmissionGoesThroughKafkaAndIsVisibleFromBothInstances() throws IOException, InterruptedException {
        // Given
        model("org/it-rest").commit().textFile("config.json", "{}");

        // When
        HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create(alpha.url() + "/v1/mirrors"))
                .header("Content-Type", "application/json")
                .header("Authorization", ApiKeys.bearer(ApiKeys.SUBMIT))
                .POST(HttpRequest.BodyPublishers.ofString("{\"models\": [\"org/it-rest\"]}")).build(),
                HttpResponse.BodyHandlers.ofString());

        // Then
        assertThat(posted.statusCode()).isEqualTo(202);
        JsonNode job = JSON.readTree(posted.body()).get("jobs").get(0);
        String id = job.get("id").asText();
        assertThat(job.get("repo").asText()).isEqualTo("org/it-rest");
        for (ServiceProcess instance : List.of(alpha, beta)) {
            JsonNode seen = awaitJob(instance, id, "SUCCEEDED");
            assertThat(seen.get("requester").asText()).isEqualTo("rest");
            assertThat(seen.get("snapshotUrl").asText()).contains("models--org--it-rest/snapshots/");
        }
        String requestId = awaitJob(beta, id, "SUCCEEDED").get("requestId").asText();
        assertThat(awaitEvent(requestId, "succeeded").get("jobId").asText()).isEqualTo(id);
        assertThat(getJson(beta, "/v1/jobs?status=SUCCEEDED").toString()).contains(id);
    }

    @Test
    @Order(8)
    void aJobCancelledThroughEitherInstanceIsCancelledWhereItRuns() throws IOException, InterruptedException {
        // Given a job held in the middle of its work
        model("org/it-cancel").commit().textFile("config.json", "{}").lfsFile("cancel-hold.bin", 5000, 6);
        alphaHub.hold("cancel-hold.bin");
        betaHub.hold("cancel-hold.bin");
        try {
            send("cancel", request("req-cancel", "team", List.of("org/it-cancel"), Map.of()));
            String id = awaitEvent("req-cancel", "accepted").get("jobId").asText();
            await(() -> alphaHub.heldSoFar() + betaHub.heldSoFar() > 0 ? Optional.of(true) : Optional.empty(),
                    "the job to reach its held file");
            ServiceProcess other = alphaHub.heldSoFar() > 0 ? beta : alpha;

            // When
            HttpResponse<String> cancelled = http.send(HttpRequest.newBuilder(URI.create(other.url() + "/v1/jobs/"
                    + id)).header("Authorization", ApiKeys.bearer(ApiKeys.SUBMIT)).DELETE().build(),
                    HttpResponse.BodyHandlers.ofString());

            // Then
            assertThat(cancelled.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(cancelled.body()).get("status").asText()).isEqualTo("CANCELLED");
            JsonNode event = awaitEvent("req-cancel", "cancelled");
            assertThat(event.get("reason").asText()).isEqualTo("CANCELLED");
            assertThat(event.get("instance").asText()).isNotEqualTo(other.name());
            awaitJob(other == alpha ? beta : alpha, id, "CANCELLED");
        } finally {
            alphaHub.release();
            betaHub.release();
        }
    }

    @Test
    @Order(90)
    void anInstanceStoppedMidJobHandsTheJobToTheOtherWithoutCancellingIt() {
        // Given a job whose first two files are done and whose last file is held
        SimCommit c = model("org/it-handover").commit().lfsFile("a.bin", 1 << 20, 17).textFile("b.txt", "b")
                .lfsFile("zz-hold.bin", 1 << 20, 19);
        alphaHub.hold("zz-hold.bin");
        betaHub.hold("zz-hold.bin");
        send("handover", request("req-handover", "team", List.of("org/it-handover"), Map.of()));
        await(() -> alphaHub.heldSoFar() + betaHub.heldSoFar() > 0 ? Optional.of(true) : Optional.empty(),
                "the job to reach its held file");
        boolean alphaRuns = alphaHub.heldSoFar() > 0;
        ServiceProcess victim = alphaRuns ? alpha : beta;
        ServiceProcess survivor = alphaRuns ? beta : alpha;

        // When the replica running it stops gracefully (SIGTERM: a rollout or a scale-in)
        victim.stop();
        alphaHub.release();
        betaHub.release();

        // Then the other replica resumes the job; nobody announced it cancelled or failed
        JsonNode succeeded = awaitEvent("req-handover", "succeeded");
        assertThat(succeeded.get("instance").asText()).isEqualTo(survivor.name());
        assertThat(succeeded.get("filesSkipped").asInt()).isEqualTo(2);
        assertThat(events("req-handover")).extracting(e -> e.get("event").asText())
                .containsExactlyInAnyOrder("accepted", "succeeded");
        assertThat(store.resolve("models--org--it-handover/snapshots/" + c.sha() + "/zz-hold.bin"))
                .hasBinaryContent(c.file("zz-hold.bin").content());
        assertThat(awaitJob(survivor, succeeded.get("jobId").asText(), "SUCCEEDED").get("status").asText())
                .isEqualTo("SUCCEEDED");

        // and the stopped replica starts again for the tests after this one
        if (alphaRuns) {
            alpha = ServiceProcess.launch("alpha", serviceConfig("alpha", alphaHub));
            alpha.awaitReady();
        } else {
            beta = ServiceProcess.launch("beta", serviceConfig("beta", betaHub));
            beta.awaitReady();
        }
        awaitGroupSplit(TOPICS + "-jobs");
    }

    @Test
    @Order(100)
    void anInstanceKilledMidJobLeavesTheJobToTheOtherWhichResumesIt() {
        // Given a job whose first three files are done and whose last file is held
        SimCommit c = model("org/it-crash").commit().lfsFile("a.bin", 1 << 20, 7).textFile("b.txt", "b")
                .regularFile("c.bin", 200_000, 8).lfsFile("zz-hold.bin", 1 << 20, 9);
        alphaHub.hold("zz-hold.bin");
        betaHub.hold("zz-hold.bin");
        send("crash", request("req-crash", "team", List.of("org/it-crash"), Map.of()));
        await(() -> alphaHub.heldSoFar() + betaHub.heldSoFar() > 0 ? Optional.of(true) : Optional.empty(),
                "the job to reach its held file");
        boolean alphaRuns = alphaHub.heldSoFar() > 0;
        ServiceProcess victim = alphaRuns ? alpha : beta;
        ServiceProcess survivor = alphaRuns ? beta : alpha;

        // When the replica running it dies (SIGKILL: no shutdown hook, no goodbye to the group)
        victim.kill();
        (alphaRuns ? betaHub : alphaHub).release();

        // Then the other replica takes over its partitions, resumes the job, skips the verified files
        JsonNode succeeded = awaitEvent("req-crash", "succeeded");
        assertThat(succeeded.get("instance").asText()).isEqualTo(survivor.name());
        assertThat(succeeded.get("files").asInt()).isEqualTo(4);
        assertThat(succeeded.get("filesSkipped").asInt()).isEqualTo(3);
        assertThat(events("req-crash")).extracting(e -> e.get("event").asText())
                .containsExactlyInAnyOrder("accepted", "succeeded");
        assertThat(store.resolve("models--org--it-crash/snapshots/" + c.sha() + "/zz-hold.bin"))
                .hasBinaryContent(c.file("zz-hold.bin").content());
        assertThat(cdnGets(c.file("a.bin").sha256())).isEqualTo(1);
        assertThat(awaitJob(survivor, succeeded.get("jobId").asText(), "SUCCEEDED").get("files").get("skipped")
                .asInt()).isEqualTo(3);
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static SimRepo model(String id) {
        return sim.model(id);
    }

    private static String request(String requestId, String requester, List<String> models, Map<String, String> extra) {
        ObjectNode request = JSON.createObjectNode().put("requestId", requestId).put("requester", requester);
        models.forEach(request.putArray("models")::add);
        extra.forEach(request::put);
        return request.toString();
    }

    private static void send(String key, String value) {
        try {
            producer.send(new ProducerRecord<>(TOPICS + ".requests", key, value.getBytes(StandardCharsets.UTF_8)))
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not send the request", e);
        }
    }

    private static List<JsonNode> events(String requestId) {
        return reader.jsonOf(TOPICS + ".events", requestId);
    }

    private static JsonNode awaitEvent(String requestId, String event) {
        return await(() -> events(requestId).stream().filter(e -> event.equals(e.get("event").asText())).findFirst(),
                event + " event of " + requestId);
    }

    private static long cdnGets(String sha256) {
        return sim.requests().stream()
                .filter(r -> r.listener().equals("cdn") && r.method().equals("GET") && r.path().contains(sha256))
                .count();
    }

    private static JsonNode awaitJob(ServiceProcess instance, String id, String status) {
        return await(() -> {
            JsonNode job = getJson(instance, "/v1/jobs/" + id);
            return job != null && status.equals(job.path("status").asText()) ? Optional.of(job) : Optional.empty();
        }, "job " + id + " " + status + " on " + instance.name());
    }

    private static JsonNode getJson(ServiceProcess instance, String path) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(instance.url() + path))
                    .header("Authorization", ApiKeys.bearer(ApiKeys.SUBMIT)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Polls {@code probe} until it yields a value; fails with {@code what} and the replicas' log tails. */
    private static <T> T await(Supplier<Optional<T>> probe, String what) {
        return Poll.until(probe, WAIT, what, () -> "\n--- alpha:\n" + alpha.tail() + "\n--- beta:\n" + beta.tail());
    }

    /** Waits until both replicas are in the consumer group with partitions of their own. */
    private static void awaitGroupSplit(String group) {
        try (Admin admin = broker.admin()) {
            await(() -> {
                try {
                    ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all()
                            .get(10, TimeUnit.SECONDS).get(group);
                    List<MemberDescription> members = List.copyOf(description.members());
                    boolean split = members.size() == 2 && members.stream()
                            .allMatch(m -> !m.assignment().topicPartitions().isEmpty());
                    return split ? Optional.of(true) : Optional.empty();
                } catch (Exception e) {
                    return Optional.empty();
                }
            }, "both replicas in group " + group);
        }
    }

    /** Reads topics from the beginning on a background thread and keeps every record. */
    static final class TopicReader implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;
        private final Map<String, List<ConsumerRecord<String, byte[]>>> records = new HashMap<>();
        private final Thread thread;
        private volatile boolean running = true;

        TopicReader(String bootstrap, List<String> topics) {
            consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(),
                    new org.apache.kafka.common.serialization.ByteArrayDeserializer());
            List<TopicPartition> partitions = topics.stream()
                    .flatMap(t -> consumer.partitionsFor(t).stream().map(p -> new TopicPartition(t, p.partition())))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            topics.forEach(t -> records.put(t, new CopyOnWriteArrayList<>()));
            thread = new Thread(this::read, "it-topic-reader");
            thread.setDaemon(true);
            thread.start();
        }

        private void read() {
            try {
                while (running) {
                    consumer.poll(Duration.ofMillis(100)).forEach(r -> records.get(r.topic()).add(r));
                }
            } catch (WakeupException e) {
                // closing
            } finally {
                consumer.close();
            }
        }

        List<ConsumerRecord<String, byte[]>> records(String topic) {
            return List.copyOf(records.get(topic));
        }

        /** The records of {@code topic} whose JSON value has {@code requestId}, in order, parsed. */
        List<JsonNode> jsonOf(String topic, String requestId) {
            List<JsonNode> found = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> record : records(topic)) {
                try {
                    JsonNode json = JSON.readTree(record.value());
                    if (requestId.equals(json.path("requestId").asText())) {
                        found.add(json);
                    }
                } catch (IOException e) {
                    throw new AssertionError("a record of " + topic + " is not JSON: "
                            + new String(record.value(), StandardCharsets.UTF_8), e);
                }
            }
            return found;
        }

        String allText() {
            return records.values().stream().flatMap(List::stream)
                    .map(r -> new String(r.value(), StandardCharsets.UTF_8) + r.headers())
                    .collect(Collectors.joining("\n"));
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            consumer.wakeup();
            thread.join(5000);
        }
    }
}
