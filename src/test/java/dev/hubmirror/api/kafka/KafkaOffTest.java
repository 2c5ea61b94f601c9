package dev.hubmirror.api.kafka;

import static dev.hubmirror.testing.ApiKeys.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Kafka switched off explicitly while a broker address is configured (which alone would switch it on): the service
 * runs on its in-process queue, is ready, and no Kafka client exists or connects. The address points at a listener
 * that counts connections.
 */
@QuarkusTest
@TestProfile(KafkaOffTest.Off.class)
@QuarkusTestResource(value = KafkaOffTest.CountingListener.class, restrictToAnnotatedClass = true)
class KafkaOffTest {

    @TestHTTPResource(value = "/health/ready", management = true)
    URL ready;

    @Test
    void readinessIsUpAndNoKafkaClientExistsOrConnects() {
        // Given the service started with Kafka off

        // When
        String id = given().contentType(ContentType.JSON).body("{\"models\": [\"org/off\"]}")
                .when().post("/v1/mirrors")
                .then().statusCode(202).extract().path("jobs[0].id");

        // Then the job lives in this process
        given().when().get("/v1/jobs/" + id).then().statusCode(200).body("repo", equalTo("org/off"));
        given().when().get(ready).then().statusCode(200).body("status", equalTo("UP"));
        // threads of an app of an earlier test class in this JVM (still closing its clients) do not count: only those
        // started after this app's resources were, i.e. by this app
        assertThat(kafkaThreads()).extracting(Thread::getName).isEmpty();
        assertThat(CountingListener.CONNECTIONS).hasValue(0);
    }

    /** Kafka client threads that did not exist before this app started. */
    private static List<Thread> kafkaThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().contains("kafka") || t.getName().contains("job-state"))
                .filter(t -> !CountingListener.BEFORE_START.contains(t.getId())).toList();
    }

    /** Kafka off, although a broker address is set. */
    public static class Off implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mirror.kafka.enabled", "false", "mirror.hub.endpoint", "http://127.0.0.1:9");
        }
    }

    /** A TCP listener standing in for a broker: it only counts connections. */
    public static class CountingListener implements QuarkusTestResourceLifecycleManager {
        static final AtomicInteger CONNECTIONS = new AtomicInteger();
        /** Ids of the threads that existed before this app started (test resources start first). */
        static final Set<Long> BEFORE_START = ConcurrentHashMap.newKeySet();
        private ServerSocket socket;

        @Override
        public Map<String, String> start() {
            Thread.getAllStackTraces().keySet().forEach(t -> BEFORE_START.add(t.getId()));
            try {
                socket = new ServerSocket(0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Thread acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try (Socket ignored = socket.accept()) {
                        CONNECTIONS.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "broker-stand-in");
            acceptor.setDaemon(true);
            acceptor.start();
            return Map.of("kafka.bootstrap.servers", "127.0.0.1:" + socket.getLocalPort());
        }

        @Override
        public void stop() {
            try {
                socket.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
