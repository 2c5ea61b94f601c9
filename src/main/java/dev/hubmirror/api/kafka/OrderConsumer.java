package dev.hubmirror.api.kafka;

import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.PARTITION;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubmirror.job.JobOrder;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Consumes the job order topic, one order at a time: an order waits until this replica has a free job slot (the
 * connector pauses the partitions meanwhile and keeps polling, so the consumer stays in its group however long jobs
 * take), is admitted, and is acknowledged once the admission is durable in the job state. Its partition is the job's
 * shard: the rebalance listener tells the {@link dev.hubmirror.job.JobCoordinator} which shards this replica owns, so
 * that it resumes their unfinished jobs and releases the jobs of shards it loses.
 */
@ApplicationScoped
@Identifier(OrderConsumer.REBALANCE_LISTENER)
public class OrderConsumer implements KafkaConsumerRebalanceListener {

    /** The rebalance listener's name, as {@code consumer-rebalance-listener.name} of the orders channel. */
    public static final String REBALANCE_LISTENER = "hub-mirror-orders";

    private static final Logger LOGGER = Logger.getLogger(OrderConsumer.class);

    private final KafkaJobs jobs;
    private final ObjectMapper json;

    @Inject
    public OrderConsumer(KafkaJobs jobs, ObjectMapper json) {
        this.jobs = jobs;
        this.json = json;
    }

    /** Handles one order; completes once it was admitted (and acknowledged), or left for the shard's next owner. */
    @Incoming("orders")
    public Uni<Void> consume(Message<String> message) {
        int shard = message.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(IncomingKafkaRecordMetadata::getPartition)
                .orElse(-1);
        JobOrder order;
        try {
            order = json.readValue(message.getPayload(), JobOrderMessage.class).toOrder(shard);
        } catch (java.io.IOException | RuntimeException e) {
            // an internal topic: an unreadable order cannot become readable by waiting
            LOGGER.errorf("job order unreadable, skipped" + PARTITION + ERROR, shard, e.getMessage());
            return Uni.createFrom().completionStage(message.ack());
        }
        return jobs.coordinator().admit(order)
                .chain(admitted -> admitted ? Uni.createFrom().completionStage(message.ack())
                        : Uni.createFrom().voidItem());
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        jobs.coordinator().shardsAssigned(partitions.stream().map(TopicPartition::partition).toList());
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        jobs.coordinator().shardsRevoked(partitions.stream().map(TopicPartition::partition).toList());
    }
}
