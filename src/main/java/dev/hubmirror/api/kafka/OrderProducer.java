package dev.hubmirror.api.kafka;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubmirror.job.JobKey;
import dev.hubmirror.job.JobOrder;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.OutgoingMessageMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Sends {@link JobOrderMessage}s on the job order channel ({@code mirror.kafka.topics.jobs}), keyed by
 * {@link JobKey#text()}: identical jobs share a partition, hence an owner.
 */
@ApplicationScoped
public class OrderProducer {

    private final MutinyEmitter<String> emitter;
    private final ObjectMapper json;

    @Inject
    public OrderProducer(@Channel("orders-out") MutinyEmitter<String> emitter, ObjectMapper json) {
        this.emitter = emitter;
        this.json = json;
    }

    /** Sends the order; completes with the partition it landed on once the broker acknowledged it. */
    public Uni<Integer> send(JobOrder order) {
        return Uni.createFrom().deferred(() -> {
            String payload;
            try {
                payload = json.writeValueAsString(JobOrderMessage.of(order));
            } catch (JsonProcessingException e) {
                return Uni.createFrom().failure(e);
            }
            OutgoingMessageMetadata<RecordMetadata> result = new OutgoingMessageMetadata<>();
            Message<String> message = Message.of(payload)
                    .addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                            .withKey(JobKey.of(order.work(), order.target()).text())
                            .build())
                    .addMetadata(result);
            return emitter.sendMessage(message).map(v -> result.getResult().partition());
        });
    }
}
