package dev.hubmirror.api.kafka;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubmirror.job.BundleEvents;
import dev.hubmirror.job.BundleManifest;
import dev.hubmirror.job.JobEventType;
import dev.hubmirror.job.JobEvents;
import dev.hubmirror.job.JobRecord;
import dev.hubmirror.store.ObjectStore;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Publishes {@link MirrorEvent}s on the events channel ({@code mirror.kafka.topics.events}), keyed by repo, with the
 * event name in header {@code hub-mirror-event}. Completes when the broker acknowledged the event.
 */
@ApplicationScoped
public class EventProducer implements JobEvents, BundleEvents {

    /** Header with the event name, for readers that filter without parsing. */
    public static final String EVENT_HEADER = "hub-mirror-event";

    private final MutinyEmitter<String> emitter;
    private final ObjectMapper json;
    private final ObjectStore store;

    @Inject
    public EventProducer(@Channel("events") MutinyEmitter<String> emitter, ObjectMapper json, ObjectStore store) {
        this.emitter = emitter;
        this.json = json;
        this.store = store;
    }

    @Override
    public Uni<Void> publish(BundleManifest manifest) {
        return send(BundleEvent.of(manifest, store.url(BundleManifest.key(manifest.bundle()))),
                BundleEvent.key(manifest), BundleEvent.of(manifest, null).event());
    }

    private Uni<Void> send(Object event, String key, String name) {
        return Uni.createFrom().deferred(() -> {
            String payload;
            try {
                payload = json.writeValueAsString(event);
            } catch (JsonProcessingException e) {
                return Uni.createFrom().failure(e);
            }
            RecordHeaders headers = new RecordHeaders();
            headers.add(EVENT_HEADER, name.getBytes(StandardCharsets.UTF_8));
            return emitter.sendMessage(Message.of(payload).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                    .withKey(key).withHeaders(headers).build()));
        });
    }

    @Override
    public Uni<Void> publish(JobEventType type, JobRecord job) {
        return send(MirrorEvent.of(type, job), MirrorEvent.key(job.job()), type.name().toLowerCase(Locale.ROOT));
    }
}
