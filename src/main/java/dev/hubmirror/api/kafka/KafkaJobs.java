package dev.hubmirror.api.kafka;

import static dev.hubmirror.log.LogKeys.EVENTS;
import static dev.hubmirror.log.LogKeys.INSTANCE;
import static dev.hubmirror.log.LogKeys.JOBS;
import static dev.hubmirror.log.LogKeys.REQUESTS;
import static dev.hubmirror.log.LogKeys.STATE;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubmirror.config.JobConfig;
import dev.hubmirror.config.KafkaConfig;
import dev.hubmirror.job.BundleTracker;
import dev.hubmirror.job.JobCoordinator;
import dev.hubmirror.job.JobService;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Vertx;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The Kafka side of jobs on this replica, created only when {@code mirror.kafka.enabled}: the job-state store on
 * its compacted topic and the {@link JobCoordinator} that runs this replica's share of jobs. Started at boot (before
 * the consumers need it), stopped after the job service released its jobs.
 */
@ApplicationScoped
public class KafkaJobs {

    private static final Logger LOGGER = Logger.getLogger(KafkaJobs.class);

    private final KafkaConfig config;
    private final JobConfig jobConfig;
    private final JobService service;
    private final EventProducer events;
    private final BundleTracker bundles;
    private final ObjectMapper json;
    private final Vertx vertx;
    private final Map<String, Object> kafka;
    private KafkaJobStateStore store;
    private JobCoordinator coordinator;
    private volatile boolean stopping;

    @Inject
    public KafkaJobs(KafkaConfig config, JobConfig jobConfig, JobService service, EventProducer events,
            BundleTracker bundles, ObjectMapper json, Vertx vertx,
            @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.config = config;
        this.jobConfig = jobConfig;
        this.service = service;
        this.events = events;
        this.bundles = bundles;
        this.json = json;
        this.vertx = vertx;
        this.kafka = kafka;
    }

    void onStart(@Observes StartupEvent event) {
        if (config.enabled()) {
            coordinator();
        }
    }

    void onStop(@Observes @Priority(3000) ShutdownEvent event) {
        stopping = true;
        JobCoordinator c;
        KafkaJobStateStore s;
        synchronized (this) {
            c = coordinator;
            s = store;
        }
        if (c != null) {
            c.stop();
        }
        if (s != null) {
            s.close();
        }
    }

    /** The coordinator, started on first use. */
    public synchronized JobCoordinator coordinator() {
        if (coordinator == null) {
            if (!config.enabled()) {
                throw new IllegalStateException("Kafka is off (mirror.kafka.enabled=false)");
            }
            String instance = config.instance().orElseGet(KafkaJobs::defaultInstance);
            store = new KafkaJobStateStore(kafka, config.topics().jobState(), instance, json,
                    Infrastructure.getDefaultWorkerPool());
            store.start();
            coordinator = new JobCoordinator(service, store, events, bundles::jobEnded, instance,
                    config.progressInterval(), jobConfig.retention(), vertx);
            coordinator.start();
            LOGGER.infof("kafka jobs started" + INSTANCE + REQUESTS + EVENTS + JOBS + STATE, instance,
                    config.topics().requests(), config.topics().events(), config.topics().jobs(),
                    config.topics().jobState());
        }
        return coordinator;
    }

    /** The job-state store, started on first use. */
    public synchronized KafkaJobStateStore store() {
        coordinator();
        return store;
    }

    /** Whether the service is shutting down. */
    public boolean stopping() {
        return stopping;
    }

    /** Whether Kafka is on. */
    public boolean enabled() {
        return config.enabled();
    }

    /** Whether the job-state view is complete (always true with Kafka off). */
    public synchronized boolean ready() {
        return !config.enabled() || store != null && store.ready();
    }

    /** Why the job-state view is not complete; empty when it is (or Kafka is off). */
    public synchronized Optional<String> stateProblem() {
        if (!config.enabled()) {
            return Optional.empty();
        }
        return store == null ? Optional.of("the job state store has not started") : store.problem();
    }

    /** The job-state topic. */
    public String stateTopic() {
        return config.topics().jobState();
    }

    private static String defaultInstance() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "hub-mirror";
        }
        byte[] suffix = new byte[2];
        new SecureRandom().nextBytes(suffix);
        return host + "-" + HexFormat.of().formatHex(suffix);
    }
}
