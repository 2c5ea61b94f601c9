package dev.hubmirror.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * Kafka: the request, event, dead-letter, job-order and job-state topics. Client settings (brokers, SASL, TLS) are
 * Quarkus' {@code kafka.*} keys, shared by every Kafka client of the service; see docs/kafka.md.
 */
@ConfigMapping(prefix = "mirror.kafka")
public interface KafkaConfig {

    /**
     * Whether the service uses Kafka at all; env {@code MIRROR_KAFKA_ENABLED}. Default: on when
     * {@code kafka.bootstrap.servers} (env {@code KAFKA_BOOTSTRAP_SERVERS}) is set. Off, no Kafka client is created.
     */
    @WithDefault("false")
    boolean enabled();

    /**
     * Consumer group of the requests topic; the job order topic is consumed by group {@code <group>-jobs}. Every
     * replica of one service uses the same groups.
     */
    @WithDefault("hub-mirror")
    String group();

    /** This replica's name in job state, events and logs; default: the host name and a random suffix. */
    Optional<String> instance();

    /** Topic names. */
    Topics topics();

    /** How often a running job's progress is written to the job-state topic. */
    @WithDefault("5s")
    Duration progressInterval();

    /**
     * How long a REST submission or cancellation waits for the job state to show its effect before it answers with
     * what it knows.
     */
    @WithDefault("10s")
    Duration apiWait();

    /** The {@code requester} recorded for REST submissions. */
    @WithDefault("rest")
    String restRequester();

    /**
     * Longest wait of a REST submission for the broker to acknowledge its request; beyond, it answers 503
     * {@code KAFKA_UNAVAILABLE}. Keep it above the requests-out producer's {@code max.block.ms} plus
     * {@code delivery.timeout.ms} (2 s + 3 s in application.properties), so that a refused request is never delivered
     * later.
     */
    @WithDefault("6s")
    Duration sendTimeout();

    /**
     * Kafka client log lines (brokers unreachable, topics missing) that repeat are written once per this interval,
     * the next one saying how many were suppressed.
     */
    @WithDefault("30s")
    Duration logInterval();

    /** Topic names; the channels in application.properties refer to these keys. */
    interface Topics {

        /** Mirror requests from other teams and from the REST API. */
        @WithDefault("hub-mirror.requests")
        String requests();

        /** Job events (accepted, succeeded, failed, cancelled), keyed by repo. */
        @WithDefault("hub-mirror.events")
        String events();

        /** Requests that cannot be read or are invalid, with the reason in headers. */
        @WithDefault("hub-mirror.requests.dlq")
        String deadLetter();

        /** Internal: one order per job, keyed by what makes jobs identical; its partitions are the unit of work. */
        @WithDefault("hub-mirror.jobs")
        String jobs();

        /** Internal, compacted: the latest state of every job, read in full by every replica. */
        @WithDefault("hub-mirror.job-state")
        String jobState();
    }
}
