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
import java.util.Map;
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
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .noneMatch(name -> name.contains("kafka") || name.contains("job-state"));
        assertThat(CountingListener.CONNECTIONS).hasValue(0);
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
        private ServerSocket socket;

        @Override
        public Map<String, String> start() {
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
