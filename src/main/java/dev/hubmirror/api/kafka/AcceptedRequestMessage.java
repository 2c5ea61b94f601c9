package dev.hubmirror.api.kafka;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.time.Instant;
import java.util.List;

/**
 * An accepted request on the internal job-state topic (key {@code request/<requestId>}): its jobs, QUEUED until the
 * owner of each job's shard admits it. Its presence makes a redelivered request a duplicate.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AcceptedRequestMessage(String requestId, Instant acceptedAt, List<JobStateMessage> jobs) {
}
