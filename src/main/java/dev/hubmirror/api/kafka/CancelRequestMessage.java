package dev.hubmirror.api.kafka;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.time.Instant;

/** A caller's request to cancel a job, on the internal job-state topic (key {@code cancel/<jobId>}). */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CancelRequestMessage(String jobId, Instant requestedAt) {
}
