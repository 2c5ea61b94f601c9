package dev.hubmirror.api.kafka;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Sends REST submissions to the requests topic as {@link MirrorRequestMessage}s keyed by request id, so that any
 * replica may run them.
 */
@ApplicationScoped
public class RequestProducer {

    private final MutinyEmitter<String> emitter;
    private final ObjectMapper json;

    @Inject
    public RequestProducer(@Channel("requests-out") MutinyEmitter<String> emitter, ObjectMapper json) {
        this.emitter = emitter;
        this.json = json;
    }

    /** Sends the request; completes once the broker acknowledged it. */
    public Uni<Void> send(MirrorRequestMessage request) {
        return Uni.createFrom().deferred(() -> {
            String payload;
            try {
                payload = json.writeValueAsString(request);
            } catch (JsonProcessingException e) {
                return Uni.createFrom().failure(e);
            }
            return emitter.sendMessage(Message.of(payload).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                    .withKey(request.requestId())
                    .build()));
        });
    }
}
