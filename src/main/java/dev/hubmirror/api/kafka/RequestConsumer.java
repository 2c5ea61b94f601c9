package dev.hubmirror.api.kafka;

import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.REQUEST;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubmirror.api.rest.JsonProblem;
import dev.hubmirror.api.rest.SubmissionLimits;
import dev.hubmirror.config.JobConfig;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.job.ArtifactMirror;
import dev.hubmirror.job.JobOrder;
import dev.hubmirror.job.JobRunners;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

/**
 * Consumes the requests topic. A request that cannot be read or is invalid is nacked to the dead-letter topic with
 * the reason ({@code dead-letter-reason}, and {@code hub-mirror-reason} holding the stable code) and consumption goes
 * on. A valid request becomes one order per job on the job order topic, an accepted event per job and the request's
 * record in the job state; only then is the request acknowledged, so a crash in between delivers it again, and the
 * same jobs (ids derived from the request id) are ordered again, which their owner recognises.
 */
@ApplicationScoped
public class RequestConsumer {

    /** Dead-letter header with the stable failure code. */
    public static final String REASON_HEADER = "hub-mirror-reason";
    /** Dead-letter header with the request id, when it could be read. */
    public static final String REQUEST_ID_HEADER = "hub-mirror-request-id";

    private static final Logger LOGGER = Logger.getLogger(RequestConsumer.class);
    private static final Duration RETRY_FIRST = Duration.ofMillis(200);
    private static final Duration RETRY_MAX = Duration.ofSeconds(10);

    private final KafkaJobs jobs;
    private final OrderProducer orders;
    private final JobRunners runners;
    private final ArtifactMirror artifacts;
    private final JobConfig jobConfig;
    private final ObjectMapper json;

    @Inject
    public RequestConsumer(KafkaJobs jobs, OrderProducer orders, JobRunners runners, JobConfig jobConfig,
            ObjectMapper json, ArtifactMirror artifacts) {
        this.artifacts = artifacts;
        this.jobs = jobs;
        this.orders = orders;
        this.runners = runners;
        this.jobConfig = jobConfig;
        this.json = json;
    }

    /** Handles one request; completes once it was acknowledged or dead-lettered. */
    @Incoming("requests")
    public Uni<Void> consume(Message<byte[]> message) {
        Instant receivedAt = message.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(IncomingKafkaRecordMetadata::getTimestamp)
                .filter(t -> t.toEpochMilli() > 0)
                .orElseGet(Instant::now);
        MirrorRequestMessage request = null;
        List<JobOrder> jobOrders;
        try {
            request = parse(message.getPayload());
            jobOrders = request.toOrders(SubmissionLimits.of(jobConfig), runners, artifacts, receivedAt);
        } catch (MirrorException e) {
            String requestId = request == null ? null : request.requestId();
            LOGGER.warnf("request refused" + REQUEST + ERROR + ": %s", requestId, e.reason(), e.getMessage());
            return Uni.createFrom().completionStage(message.nack(e, deadLetterMetadata(e, requestId)));
        }
        String requestId = request.requestId();
        return Uni.createFrom().deferred(() -> jobs.coordinator().accept(requestId, jobOrders, orders::send))
                .onFailure().invoke(e -> LOGGER.warnf("request not accepted yet" + REQUEST + ERROR + ": retrying",
                        requestId, e.getMessage()))
                .onFailure(e -> !jobs.stopping()).retry().withBackOff(RETRY_FIRST, RETRY_MAX).indefinitely()
                .onItemOrFailure().transformToUni((accepted, failure) -> failure == null
                        ? Uni.createFrom().completionStage(message.ack())
                        // stopping: left unacknowledged, another replica reads it again
                        : Uni.createFrom().voidItem());
    }

    private MirrorRequestMessage parse(byte[] payload) {
        if (payload == null || payload.length == 0) {
            throw new MirrorException(Reason.INVALID_REQUEST, "empty request: send a JSON object such as "
                    + "{\"requestId\": \"...\", \"models\": [\"org/name\"]}");
        }
        try {
            MirrorRequestMessage request = json.readValue(payload, MirrorRequestMessage.class);
            if (request == null) {
                throw new MirrorException(Reason.INVALID_REQUEST, "the request is JSON null: send a JSON object");
            }
            return request;
        } catch (JacksonException e) {
            throw new MirrorException(Reason.INVALID_REQUEST,
                    JsonProblem.describe(e, "malformed JSON request").replaceAll("\\p{Cntrl}", "?"), e);
        } catch (java.io.IOException e) {
            throw new MirrorException(Reason.INVALID_REQUEST, "unreadable request: " + e.getMessage(), e);
        }
    }

    private static Metadata deadLetterMetadata(MirrorException e, String requestId) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(REASON_HEADER, e.reason().name().getBytes(StandardCharsets.UTF_8));
        if (requestId != null) {
            headers.add(REQUEST_ID_HEADER, requestId.getBytes(StandardCharsets.UTF_8));
        }
        return Metadata.of(OutgoingKafkaRecordMetadata.builder().withHeaders(headers).build());
    }
}
