package dev.hubmirror.job;

import io.smallrye.mutiny.Uni;

/** Where job events go (the Kafka events topic). Publishing the same event twice must be harmless to readers. */
public interface JobEvents {

    /** Publishes {@code type} for {@code job}; completes once the event is durably delivered. */
    Uni<Void> publish(JobEventType type, JobRecord job);
}
