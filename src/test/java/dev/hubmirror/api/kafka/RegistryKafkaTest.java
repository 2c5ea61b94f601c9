package dev.hubmirror.api.kafka;

import static dev.hubmirror.testing.ApiKeys.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubmirror.sim.SimCommit;
import dev.hubmirror.sim.SimRepo;
import dev.hubmirror.testing.HubSimulatorResource;
import dev.hubmirror.testing.KafkaBroker;
import dev.hubmirror.testing.OciLayout;
import dev.hubmirror.testing.Poll;
import dev.hubmirror.testing.RegistryProfile;
import dev.hubmirror.testing.SimulatedHub;
import dev.hubmirror.testing.Skopeo;
import dev.hubmirror.testing.TestRegistries;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * A Kafka request with a model, an image and a chart as one bundle, against the in-process broker, the Hub simulator
 * and the shared registries: accepted and succeeded events per job (the image's target, mapping and digest), and one
 * {@code bundle.succeeded} event carrying the bill of materials, which {@code GET /v1/bundles/{name}} shows too.
 */
@QuarkusTest
@TestProfile(RegistryKafkaTest.KafkaRegistries.class)
class RegistryKafkaTest {

    private static final Duration WAIT = Duration.ofMinutes(2);

    SimulatedHub hub;
    KafkaBroker broker;

    /** Kafka on (one replica), the Hub simulator, the registries. */
    public static class KafkaRegistries implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mirror.kafka.enabled", "true", "mirror.kafka.instance", "registry-test",
                    "mirror.kafka.api-wait", "10s", "kafka.session.timeout.ms", "6000",
                    "kafka.heartbeat.interval.ms", "500");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(HubSimulatorResource.class),
                    new TestResourceEntry(RegistryProfile.Registries.class), new TestResourceEntry(Broker.class));
        }
    }

    /** The broker with every topic of the service. */
    public static class Broker implements QuarkusTestResourceLifecycleManager {
        private KafkaBroker broker;

        @Override
        public Map<String, String> start() {
            broker = KafkaBroker.start();
            broker.createServiceTopics("hub-mirror", 1, 2);
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

    @Test
    void aRequestWithAModelAnImageAndAChartPublishesTheirEventsAndOneBundleEvent() throws Exception {
        // Given: a model, an image and an OCI chart in the sources
        TestRegistries registries = TestRegistries.get();
        SimRepo repo = hub.sim().model("org/kafka-bundled");
        SimCommit c = repo.commit().textFile("config.json", "{\"a\": 1}");
        repo.branch("main", c);
        OciLayout layout = OciLayout.create();
        OciLayout.Blob image = layout.image("linux", "amd64", List.of(layout.randomLayer(3L << 20, 51)));
        OciLayout.Blob chart = layout.helmChart("kafka-chart", "1.0.0", OciLayout.chartArchive("kafka-chart", "1.0.0",
                "a chart"));
        layout.tag(image, "v1").tag(chart, "1.0.0");
        String src = registries.source.host();
        Skopeo.push(layout, "v1", src + "/kafkatest/team/app:v1", TestRegistries.creds());
        Skopeo.push(layout, "1.0.0", src + "/kafkatest/team/kafka-chart:1.0.0", TestRegistries.creds());
        String requestId = "registry-" + UUID.randomUUID();

        try (KafkaMirrorIT.TopicReader events = new KafkaMirrorIT.TopicReader(broker.bootstrapServers(),
                List.of("hub-mirror.events"));
                KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), new StringSerializer(),
                        new StringSerializer())) {
            // When
            producer.send(new ProducerRecord<>("hub-mirror.requests", requestId, "{\"requestId\": \"" + requestId
                    + "\", \"requester\": \"team-release\", \"models\": [\"org/kafka-bundled\"], \"images\": [\""
                    + src + "/kafkatest/team/app:v1\"], \"charts\": [\"oci://" + src
                    + "/kafkatest/team/kafka-chart:1.0.0\"], \"bundle\": \"kafka-bundle\"}")).get();

            // Then: three accepted and three succeeded events, then one bundle event
            List<JsonNode> all = Poll.until(() -> {
                List<JsonNode> found = events.jsonOf("hub-mirror.events", requestId);
                return found.stream().anyMatch(e -> e.path("event").asText().startsWith("bundle."))
                        ? Optional.of(found) : Optional.empty();
            }, WAIT, "the bundle event of " + requestId, () -> events.allText());
            List<JsonNode> accepted = all.stream().filter(e -> e.path("event").asText().equals("accepted")).toList();
            List<JsonNode> succeeded = all.stream().filter(e -> e.path("event").asText().equals("succeeded")).toList();
            List<JsonNode> bundle = all.stream().filter(e -> e.path("event").asText().startsWith("bundle.")).toList();
            assertThat(accepted).hasSize(3);
            assertThat(succeeded).hasSize(3);
            assertThat(bundle).hasSize(1);
            String target = registries.basicTarget.host();
            JsonNode imageAccepted = accepted.stream().filter(e -> e.path("type").asText().equals("image"))
                    .findFirst().orElseThrow();
            assertThat(imageAccepted.path("targetImage").asText()).isEqualTo(target + "/sie/team/app:v1");
            assertThat(imageAccepted.path("mapping").asText()).contains("prefix 'sie'");
            assertThat(imageAccepted.path("bundle").asText()).isEqualTo("kafka-bundle");
            JsonNode imageDone = succeeded.stream().filter(e -> e.path("type").asText().equals("image"))
                    .findFirst().orElseThrow();
            assertThat(imageDone.path("digest").asText()).isEqualTo(image.digest());
            assertThat(imageDone.path("blobsCopied").asInt()).isEqualTo(2);
            JsonNode chartDone = succeeded.stream().filter(e -> e.path("type").asText().equals("chart"))
                    .findFirst().orElseThrow();
            assertThat(chartDone.path("digest").asText()).isEqualTo(chart.digest());
            JsonNode end = bundle.get(0);
            assertThat(end.path("event").asText()).isEqualTo("bundle.succeeded");
            assertThat(end.path("jobs").asInt()).isEqualTo(3);
            assertThat(end.path("succeeded").asInt()).isEqualTo(3);
            assertThat(end.path("manifestUrl").asText()).endsWith("bundles/kafka-bundle.json");
            assertThat(end.toString()).contains(c.sha(), image.digest(), chart.digest());
            assertThat(events.records("hub-mirror.events").stream().filter(r -> r.key().equals("bundle:kafka-bundle")))
                    .allSatisfy(r -> assertThat(new String(r.headers().lastHeader(EventProducer.EVENT_HEADER).value(),
                            StandardCharsets.UTF_8)).isEqualTo("bundle.succeeded"));

            // and the bundle is on the API, from the shared job state, and its manifest in the store
            JsonPath b = given().when().get("/v1/bundles/kafka-bundle").then().statusCode(200).extract().jsonPath();
            assertThat(b.getString("status")).isEqualTo("SUCCEEDED");
            assertThat(b.getString("requester")).isEqualTo("team-release");
            assertThat(b.getString("images[0].digest")).isEqualTo(image.digest());
            assertThat(hub.storeRoot().resolve("bundles/kafka-bundle.json")).exists();
        }
    }
}
