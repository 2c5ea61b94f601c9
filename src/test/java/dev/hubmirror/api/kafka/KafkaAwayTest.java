package dev.hubmirror.api.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubmirror.testing.ApiKeys;
import dev.hubmirror.testing.KafkaBroker;
import dev.hubmirror.testing.Poll;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Kafka on, in this JVM, against the real in-process broker: first with the requests topic missing (as at a first
 * deployment that forgot it), then with the topic created, then with the broker stopped, then started again. Each
 * time readiness says what is wrong (the missing topic with its key, the broker address), a submission answers at once
 * with a JSON 503 and a Retry-After instead of hanging in the producer, the Kafka clients' repeated warnings are
 * written once per {@code mirror.kafka.log-interval}, and the service carries on when Kafka is back. Kafka requests with
 * wrong JSON types or an invalid revision go to the dead-letter topic, as invalid REST submissions answer 400.
 */
@QuarkusTest
@TestProfile(KafkaAwayTest.Away.class)
class KafkaAwayTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** A guard, not a measurement: without bounded producer timeouts a submission waited 60 s and more. */
    private static final Duration ANSWER_GUARD = Duration.ofSeconds(20);
    private static final String REQUESTS = "hub-mirror.requests";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Kafka on, checked twice a second, a log file to count lines in, a Hub nobody listens on. */
    public static class Away implements QuarkusTestProfile {

        static final Path LOG = tempDir().resolve("service.log");

        private static Path tempDir() {
            try {
                return Files.createTempDirectory("hub-mirror-kafka-away");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>();
            config.put("mirror.kafka.enabled", "true");
            config.put("mirror.kafka.instance", "away");
            config.put("mirror.kafka.api-wait", "2s");
            config.put("mirror.health.kafka-check-interval", "500ms");
            config.put("mirror.hub.endpoint", "http://127.0.0.1:9");
            config.put("kafka.session.timeout.ms", "6000");
            config.put("kafka.heartbeat.interval.ms", "500");
            config.put("quarkus.log.file.enabled", "true");
            config.put("quarkus.log.file.path", LOG.toString());
            return config;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(BrokerWithoutRequestsTopic.class));
        }
    }

    /** The broker, with every topic of the service except the requests topic. */
    public static class BrokerWithoutRequestsTopic implements QuarkusTestResourceLifecycleManager {
        private KafkaBroker broker;

        @Override
        public Map<String, String> start() {
            broker = KafkaBroker.start();
            broker.createTopics(List.of(new NewTopic("hub-mirror.requests.dlq", 1, (short) 1),
                    new NewTopic("hub-mirror.events", 1, (short) 1),
                    new NewTopic("hub-mirror.jobs", 2, (short) 1),
                    new NewTopic("hub-mirror.job-state", 1, (short) 1)
                            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))));
            return Map.of("kafka.bootstrap.servers", broker.bootstrapServers());
        }

        @Override
        public void inject(TestInjector injector) {
            injector.injectIntoFields(broker, new TestInjector.MatchesType(KafkaBroker.class));
        }

        @Override
        public void stop() {
            if (broker != null) {
                broker.close();
            }
        }
    }

    KafkaBroker broker;

    @TestHTTPResource("/v1/mirrors")
    URL mirrors;

    @TestHTTPResource(value = "/health/ready", management = true)
    URL ready;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aMissingTopicOrAStoppedBrokerIsNamedByReadinessAndRefusesSubmissionsAtOnceWithAJson503() throws Exception {
        // Given the service started while the requests topic is missing
        JsonNode kafka = awaitKafkaCheck("DOWN");

        // Then readiness names the topic and its key, the startup check logged it in one line, and a submission is
        // refused at once
        assertThat(kafka.at("/data/error").asText())
                .contains("topic " + REQUESTS + " (mirror.kafka.topics.requests) missing at "
                        + broker.bootstrapServers());
        assertThat(log()).containsOnlyOnce("kafka not ready bootstrap=" + broker.bootstrapServers()
                + " error=topic " + REQUESTS);
        HttpResponse<String> refused = submit("org/away-topic");
        assertRefused(refused, REQUESTS + " (mirror.kafka.topics.requests) missing");

        // When the topic is created
        broker.createTopics(List.of(new NewTopic(REQUESTS, 2, (short) 1)));

        // Then readiness is UP and submissions are accepted
        awaitKafkaCheck("UP");
        assertThat(submit("org/away-created").statusCode()).isEqualTo(202);
        // and Kafka requests are validated like REST ones: wrong JSON types and a revision with a '.' component go to
        // the dead-letter topic, naming what is wrong
        Map<String, String> dead = deadLetters(Map.of(
                "dlq-types", "{\"requestId\": \"dlq-types\", \"models\": [1, 2]}",
                "dlq-revision", "{\"requestId\": \"dlq-revision\", \"models\": [\"org/ok@a/./b\"]}"));
        assertThat(dead.get("dlq-types")).contains("'models[0]' must be a string");
        assertThat(dead.get("dlq-revision")).contains("revision 'a/./b' is invalid");

        // When the broker stops
        long logBefore = Files.size(Away.LOG);
        broker.stopBroker();
        try {
            // Then a submission answers a JSON 503 within seconds (from the producer's bounded timeouts or the check)
            assertRefused(submit("org/away-broker"), "");
            // readiness names the broker, and then submissions are refused naming it
            JsonNode down = awaitKafkaCheck("DOWN");
            assertThat(down.at("/data/error").asText())
                    .contains("no Kafka broker answered at " + broker.bootstrapServers());
            assertRefused(submit("org/away-broker"), "no Kafka broker answered at " + broker.bootstrapServers());
            // every Kafka client of the service retried meanwhile; their repeated warning was written once (once for
            // the bootstrap address, node -1, once for the broker's own id)
            String outage = log().substring((int) logBefore);
            assertThat(outage).contains("could not be established");
            assertThat(outage.lines().filter(line -> line.contains("could not be established")).count())
                    .as("'could not be established' lines while the broker was away:\n" + outage)
                    .isLessThanOrEqualTo(3);
        } finally {
            broker.startBroker();
        }

        // and once the broker is back, the service is ready and accepts submissions again (its producer may need a few
        // seconds more than the readiness check to reconnect: until then it answers 503, telling the caller to retry)
        awaitKafkaCheck("UP");
        Poll.until(() -> {
            int status = submitStatus("org/away-back");
            assertThat(status).isIn(202, 503);
            return status == 202 ? Optional.of(true) : Optional.empty();
        }, Duration.ofSeconds(60), "a submission accepted once the broker is back", () -> "");
    }

    /** Produces {@code requests} (key -> value) and returns each one's {@code dead-letter-reason} once all arrived. */
    private Map<String, String> deadLetters(Map<String, String> requests) throws Exception {
        Map<String, Object> common = Map.of("bootstrap.servers", broker.bootstrapServers());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(common, new StringSerializer(),
                new StringSerializer());
                KafkaConsumer<String, String> consumer = new KafkaConsumer<>(common, new StringDeserializer(),
                        new StringDeserializer())) {
            for (Map.Entry<String, String> request : requests.entrySet()) {
                producer.send(new ProducerRecord<>(REQUESTS, request.getKey(), request.getValue())).get();
            }
            TopicPartition dlq = new TopicPartition("hub-mirror.requests.dlq", 0);
            consumer.assign(List.of(dlq));
            consumer.seekToBeginning(List.of(dlq));
            Map<String, String> reasons = new HashMap<>();
            return Poll.until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    Header reason = record.headers().lastHeader("dead-letter-reason");
                    Header code = record.headers().lastHeader(RequestConsumer.REASON_HEADER);
                    if (reason != null && code != null
                            && new String(code.value(), StandardCharsets.UTF_8).equals("INVALID_REQUEST")) {
                        reasons.put(record.key(), new String(reason.value(), StandardCharsets.UTF_8));
                    }
                }
                return reasons.keySet().containsAll(requests.keySet()) ? Optional.of(reasons) : Optional.empty();
            }, WAIT, "dead letters " + requests.keySet(), () -> "\n--- service log:\n" + tail());
        }
    }

    private void assertRefused(HttpResponse<String> answer, String expectedInMessage) throws IOException {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(503);
        assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        assertThat(answer.headers().firstValue("Retry-After")).isPresent();
        JsonNode error = JSON.readTree(answer.body()).get("error");
        assertThat(error.get("reason").asText()).isEqualTo("KAFKA_UNAVAILABLE");
        assertThat(error.get("message").asText()).contains("Kafka is unavailable", "nothing was submitted",
                expectedInMessage);
    }

    private int submitStatus(String repo) {
        try {
            return submit(repo).statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> submit(String repo) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(mirrors.toString())).timeout(ANSWER_GUARD)
                .header("Authorization", ApiKeys.bearer(ApiKeys.SUBMIT)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"models\": [\"" + repo + "\"]}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Polls readiness until the check {@code kafka} has {@code status}; returns the check. */
    private JsonNode awaitKafkaCheck(String status) {
        return Poll.until(() -> {
            try {
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(ready.toString()))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                for (JsonNode check : JSON.readTree(answer.body()).get("checks")) {
                    if (check.get("name").asText().equals("kafka") && check.get("status").asText().equals(status)) {
                        return Optional.of(check);
                    }
                }
                return Optional.empty();
            } catch (IOException e) {
                return Optional.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }, WAIT, "readiness check 'kafka' " + status, () -> "\n--- service log:\n" + tail());
    }

    private static String log() throws IOException {
        return Files.readString(Away.LOG, StandardCharsets.UTF_8);
    }

    private static String tail() {
        try {
            List<String> lines = log().lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
