package dev.hubmirror.api.kafka;

import static dev.hubmirror.log.LogKeys.BOOTSTRAP;
import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.TOPICS;

import dev.hubmirror.api.health.ProbeCache;
import dev.hubmirror.config.HealthConfig;
import dev.hubmirror.config.KafkaConfig;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.failure.RetryLaterException;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * Readiness of Kafka, with Kafka on: a broker answers at {@code kafka.bootstrap.servers}, and every configured topic
 * ({@code mirror.kafka.topics.*}) exists. DOWN names the broker address or the missing topics with their config keys;
 * the result is reused for {@code mirror.health.kafka-check-interval} ({@link ProbeCache}). The first check runs at
 * startup and logs what is missing in one line; later changes are logged once each, not per probe. Submissions ask
 * {@link #requireAvailable()} first, so that they are refused at once with a 503 instead of waiting for a producer's
 * timeouts. Always UP with Kafka off, and then no client is created.
 */
@Readiness
@ApplicationScoped
public class KafkaReadinessCheck implements AsyncHealthCheck {

    static final String NAME = "kafka";
    private static final Logger LOGGER = Logger.getLogger(KafkaReadinessCheck.class);

    private final boolean enabled;
    private final String bootstrap;
    private final Duration timeout;
    private final Duration interval;
    /** Topic name -> its configuration key, in a stable order. */
    private final Map<String, String> topics = new LinkedHashMap<>();
    private final Admin admin;
    private final ProbeCache cache;
    private volatile String lastProblem;

    @Inject
    public KafkaReadinessCheck(KafkaConfig config, HealthConfig health,
            @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.enabled = config.enabled();
        this.bootstrap = String.valueOf(kafka.getOrDefault(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "?"));
        this.timeout = health.probeTimeout();
        this.interval = health.kafkaCheckInterval();
        topics.put(config.topics().requests(), "mirror.kafka.topics.requests");
        topics.put(config.topics().events(), "mirror.kafka.topics.events");
        topics.put(config.topics().deadLetter(), "mirror.kafka.topics.dead-letter");
        topics.put(config.topics().jobs(), "mirror.kafka.topics.jobs");
        topics.put(config.topics().jobState(), "mirror.kafka.topics.job-state");
        if (!enabled) {
            this.admin = null;
            this.cache = null;
            return;
        }
        Map<String, Object> settings = new HashMap<>();
        kafka.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k) || k.startsWith("sasl.") || k.startsWith("ssl.")) {
                settings.put(k, v);
            }
        });
        int millis = (int) Math.max(100, timeout.toMillis());
        settings.put(AdminClientConfig.CLIENT_ID_CONFIG, "hub-mirror-health");
        settings.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        settings.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
        this.admin = Admin.create(settings);
        this.cache = new ProbeCache(NAME, this::probe, interval, timeout.plusMillis(500),
                () -> down(brokerAway("no answer")));
    }

    void onStart(@Observes StartupEvent event) {
        if (enabled) {
            // the startup check: every configured topic must exist; what is missing is logged by the probe
            cache.get().subscribe().with(r -> { }, e -> { });
        }
    }

    @PreDestroy
    void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        if (!enabled) {
            return Uni.createFrom().item(HealthCheckResponse.named(NAME).up().withData("enabled", false).build());
        }
        return cache.get();
    }

    /**
     * Completes when Kafka is available (the latest check is UP, or Kafka is off); fails with
     * {@link Reason#KAFKA_UNAVAILABLE} naming the broker or the missing topics otherwise.
     */
    public Uni<Void> requireAvailable() {
        Uni<HealthCheckResponse> latest = enabled ? cache.getUnlessStaleDown() : call();
        return latest.map(response -> {
            if (response.getStatus() == HealthCheckResponse.Status.UP) {
                return null;
            }
            Object error = response.getData().orElse(Map.of()).getOrDefault("error", "no detail");
            throw unavailable(String.valueOf(error));
        });
    }

    /** The refusal of a submission while Kafka is away, for {@code problem}. */
    RetryLaterException unavailable(String problem) {
        return new RetryLaterException(Reason.KAFKA_UNAVAILABLE, "Kafka is unavailable: " + problem
                + "; nothing was submitted: retry later (Kafka is checked every " + interval
                + ", mirror.health.kafka-check-interval; readiness shows the check '" + NAME + "')", interval);
    }

    private Uni<HealthCheckResponse> probe() {
        int millis = (int) Math.max(100, timeout.toMillis());
        return Uni.createFrom().completionStage(() -> admin.describeCluster(new DescribeClusterOptions()
                        .timeoutMs(millis)).nodes().toCompletionStage())
                .chain(nodes -> Uni.createFrom().completionStage(() -> admin.listTopics(new ListTopicsOptions()
                        .timeoutMs(millis)).names().toCompletionStage()))
                .map(this::checkTopics)
                .onFailure().recoverWithItem(e -> down(brokerAway(e.getClass().getSimpleName() + ": "
                        + e.getMessage())))
                .invoke(this::logChange);
    }

    private HealthCheckResponse checkTopics(Set<String> existing) {
        List<String> missing = topics.entrySet().stream()
                .filter(t -> !existing.contains(t.getKey()))
                .map(t -> t.getKey() + " (" + t.getValue() + ")")
                .toList();
        if (missing.isEmpty()) {
            return base().up().build();
        }
        return down((missing.size() == 1 ? "topic " : "topics ") + String.join(", ", missing) + " missing at "
                + bootstrap + ": create " + (missing.size() == 1 ? "it" : "them") + " as docs/kafka.md#topics shows "
                + "(the service never creates topics)");
    }

    private String brokerAway(String cause) {
        String shown = cause.length() > 200 ? cause.substring(0, 200) + "..." : cause;
        return "no Kafka broker answered at " + bootstrap + " (kafka.bootstrap.servers) within " + timeout
                + " (mirror.health.probe-timeout): " + shown.replaceAll("\\p{Cntrl}", "?");
    }

    private HealthCheckResponse down(String problem) {
        return base().down().withData("error", problem).build();
    }

    private HealthCheckResponseBuilder base() {
        return HealthCheckResponse.named(NAME).withData("bootstrap", bootstrap)
                .withData("topics", topics.keySet().stream().collect(Collectors.joining(",")))
                .withData("checkedAt", Instant.now().toString());
    }

    /** Logs a change of state once: what is missing at startup, a broker that went away, Kafka back. */
    private void logChange(HealthCheckResponse response) {
        String problem = response.getStatus() == HealthCheckResponse.Status.UP ? ""
                : String.valueOf(response.getData().orElse(Map.of()).get("error"));
        String before = lastProblem;
        lastProblem = problem;
        if (problem.equals(before)) {
            return;
        }
        if (problem.isEmpty()) {
            LOGGER.infof("kafka ready" + BOOTSTRAP + TOPICS, bootstrap, String.join(",", topics.keySet()));
        } else if (problem.startsWith("topic")) {
            LOGGER.errorf("kafka not ready" + BOOTSTRAP + ERROR, bootstrap, problem);
        } else {
            LOGGER.warnf("kafka not ready" + BOOTSTRAP + ERROR, bootstrap, problem);
        }
    }
}
