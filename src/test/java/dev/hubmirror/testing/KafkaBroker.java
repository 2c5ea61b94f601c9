package dev.hubmirror.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.jboss.logging.Logger;

/**
 * A real Kafka broker in the test JVM: one KRaft node acting as broker and controller (Kafka's own
 * {@link KafkaClusterTestKit}), on an ephemeral loopback port, with single-replica internal topics. Data lives in a
 * temporary directory removed on {@link #close()}.
 */
public final class KafkaBroker implements AutoCloseable {

    private static final Logger LOGGER = Logger.getLogger(KafkaBroker.class);

    private final KafkaClusterTestKit cluster;

    private KafkaBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /** Starts the broker and waits until it is ready. */
    public static KafkaBroker start() {
        long started = System.nanoTime();
        try {
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
                    .setConfigProp("share.coordinator.state.topic.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("group.min.session.timeout.ms", "1000")
                    .setConfigProp("auto.create.topics.enable", "false")
                    .setConfigProp("log.cleaner.backoff.ms", "1000")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            KafkaBroker broker = new KafkaBroker(cluster);
            LOGGER.infof("kafka broker started bootstrap=%s ms=%d", broker.bootstrapServers(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return broker;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the Kafka broker", e);
        } catch (Exception e) {
            throw new IllegalStateException("the Kafka test broker did not start: " + e.getMessage(), e);
        }
    }

    /** {@code host:port} of the broker's listener. */
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** An admin client; close it after use. */
    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    /** Creates the service's topics (as docs/kafka.md says) with the given partition counts. */
    public void createServiceTopics(String prefix, int requestPartitions, int jobPartitions) {
        List<NewTopic> topics = new ArrayList<>();
        topics.add(new NewTopic(prefix + ".requests", requestPartitions, (short) 1));
        topics.add(new NewTopic(prefix + ".requests.dlq", 1, (short) 1));
        topics.add(new NewTopic(prefix + ".events", 3, (short) 1));
        topics.add(new NewTopic(prefix + ".jobs", jobPartitions, (short) 1));
        topics.add(new NewTopic(prefix + ".job-state", 3, (short) 1)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        createTopics(topics);
    }

    /** Creates topics and waits for them. */
    public void createTopics(List<NewTopic> topics) {
        try (Admin admin = admin()) {
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("could not create topics " + topics + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stops the broker (the KRaft controller keeps running), like a broker restart or a network outage: clients lose
     * their connections and cannot reconnect until {@link #startBroker()}. Data on disk is kept.
     */
    public void stopBroker() {
        cluster.brokers().values().forEach(broker -> {
            broker.shutdown();
            broker.awaitShutdown();
        });
        LOGGER.info("kafka broker stopped");
    }

    /** Starts the broker again after {@link #stopBroker()}, on the same port, and waits until it is ready. */
    public void startBroker() {
        try {
            cluster.brokers().values().forEach(broker -> broker.startup());
            cluster.waitForReadyBrokers();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while restarting the Kafka broker", e);
        } catch (Exception e) {
            throw new IllegalStateException("the Kafka test broker did not restart: " + e.getMessage(), e);
        }
        LOGGER.infof("kafka broker restarted bootstrap=%s", bootstrapServers());
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOGGER.warnf("kafka broker did not stop cleanly error=%s", e.toString());
        }
    }
}
