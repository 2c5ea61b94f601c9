package dev.hubmirror.api.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubmirror.sim.HubSimulator;
import dev.hubmirror.sim.SimCommit;
import dev.hubmirror.testing.GatedHubProxy;
import dev.hubmirror.testing.KafkaBroker;
import dev.hubmirror.testing.Poll;
import dev.hubmirror.testing.ServiceApi;
import dev.hubmirror.testing.ServiceProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka broker restarts (stopped, then started on the same port with its data) while the packaged service (a
 * child process) runs a job and while a team produces a request: no request is lost, the running job finishes and its
 * outcome reaches the job state and the events topic once the broker is back, and the request consumers, the order
 * consumers and the job-state reader all carry on (a request sent after the restart runs too).
 */
class KafkaBrokerRestartIT {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String TOPICS = "hub-mirror";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path store;

    static KafkaBroker broker;
    static HubSimulator sim;
    static GatedHubProxy hub;
    static ServiceProcess service;
    static KafkaProducer<String, byte[]> producer;
    static KafkaMirrorIT.TopicReader reader;

    @BeforeAll
    static void startEverything() {
        broker = KafkaBroker.start();
        broker.createServiceTopics(TOPICS, 2, 2);
        sim = HubSimulator.start();
        hub = GatedHubProxy.start(sim.hubUrl());
        Map<String, String> config = new LinkedHashMap<>();
        config.put("kafka.bootstrap.servers", broker.bootstrapServers());
        config.put("kafka.session.timeout.ms", "6000");
        config.put("kafka.heartbeat.interval.ms", "500");
        config.put("kafka.reconnect.backoff.max.ms", "1000");
        config.put("mirror.kafka.instance", "solo");
        config.put("mirror.kafka.progress-interval", "500ms");
        config.put("mirror.hub.endpoint", hub.url());
        config.put("mirror.hub.redirect-allowlist", "127.0.0.1");
        config.put("mirror.hub.initial-backoff", "10ms");
        config.put("mirror.hub.max-backoff", "50ms");
        config.put("mirror.hub.idle-timeout", "60s");
        config.put("mirror.store.url", store.toUri().toString());
        config.put("mirror.transfer.memory-budget", "64M");
        service = ServiceProcess.launch("broker-restart", config).awaitReady();
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000, ProducerConfig.MAX_BLOCK_MS_CONFIG, 120_000),
                new StringSerializer(),
                new ByteArraySerializer());
        reader = new KafkaMirrorIT.TopicReader(broker.bootstrapServers(), List.of(TOPICS + ".events"));
    }

    @AfterAll
    static void stopEverything() {
        for (AutoCloseable c : new AutoCloseable[] {service, reader, producer, hub, sim, broker}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    // best effort: the next resource still closes
                }
            }
        }
    }

    @Test
    void noRequestIsLostAndEveryConsumerCarriesOnWhenTheBrokerRestarts() throws Exception {
        // Given a job in the middle of its work
        SimCommit running = sim.model("org/restart-running").commit().textFile("config.json", "{}")
                .lfsFile("restart-hold.bin", 4000, 1);
        sim.model("org/restart-produced").commit().textFile("config.json", "{\"b\": 1}");
        SimCommit after = sim.model("org/restart-after").commit().textFile("config.json", "{\"c\": 1}");
        hub.hold("restart-hold.bin");
        send("req-running", "org/restart-running").get(30, TimeUnit.SECONDS);
        String runningJob = awaitEvent("req-running", "accepted").get("jobId").asText();
        await(() -> hub.heldSoFar() > 0 ? Optional.of(true) : Optional.empty(), "the job to reach its held file");

        // When the broker stops, the job finishes and a team produces a request while it is down, then it comes back
        broker.stopBroker();
        CompletableFuture<RecordMetadata> produced;
        Path heldFile = store.resolve("models--org--restart-running/snapshots/" + running.sha() + "/restart-hold.bin");
        try {
            hub.release();
            // send() itself waits for the topic's metadata while no broker answers: produce from another thread
            AtomicBoolean sending = new AtomicBoolean();
            produced = CompletableFuture.supplyAsync(() -> {
                try {
                    sending.set(true);
                    return send("req-produced", "org/restart-produced").get(120, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("the request produced during the outage was not delivered", e);
                }
            });
            // the outage lasts until the job finished its file and the request is being produced
            await(() -> sending.get() && Files.exists(heldFile) ? Optional.of(true) : Optional.empty(),
                    "the running job to finish its file and the request to be produced while the broker is down");
        } finally {
            broker.startBroker();
        }
        produced.get(120, TimeUnit.SECONDS);

        // Then the job's outcome is in the job state and on the events topic
        JsonNode succeeded = awaitEvent("req-running", "succeeded");
        assertThat(succeeded.get("jobId").asText()).isEqualTo(runningJob);
        assertThat(succeeded.get("commit").asText()).isEqualTo(running.sha());
        await(() -> ServiceApi.of(service).job(runningJob).filter(j -> j.path("status").asText()
                .equals("SUCCEEDED")), "job " + runningJob + " SUCCEEDED in the job state");
        // the request produced during the outage ran
        awaitEvent("req-produced", "succeeded");
        // and everything carries on: a new request through Kafka, and one through REST
        send("req-after", "org/restart-after").get(30, TimeUnit.SECONDS);
        assertThat(awaitEvent("req-after", "succeeded").get("commit").asText()).isEqualTo(after.sha());
        String viaRest = ServiceApi.of(service).submit("{\"models\": [\"org/restart-after\"]}");
        await(() -> ServiceApi.of(service).job(viaRest).filter(j -> j.path("status").asText().equals("SUCCEEDED")),
                "job " + viaRest + " submitted through REST after the restart");
        assertThat(store.resolve("models--org--restart-running/snapshots/" + running.sha() + "/restart-hold.bin"))
                .hasBinaryContent(running.file("restart-hold.bin").content());
        // and the service reports ready again (Kafka health included)
        service.awaitReady();
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static Future<RecordMetadata> send(String requestId, String repo) {
        String value = JSON.createObjectNode().put("requestId", requestId).put("requester", "team")
                .set("models", JSON.createArrayNode().add(repo)).toString();
        return producer.send(new ProducerRecord<>(TOPICS + ".requests", requestId,
                value.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<JsonNode> events(String requestId) {
        return reader.jsonOf(TOPICS + ".events", requestId);
    }

    private static JsonNode awaitEvent(String requestId, String event) {
        return await(() -> events(requestId).stream().filter(e -> event.equals(e.get("event").asText())).findFirst(),
                event + " event of " + requestId);
    }

    private static <T> T await(Supplier<Optional<T>> probe, String what) {
        return Poll.until(probe, WAIT, what, () -> "\n--- service:\n" + service.tail());
    }
}
