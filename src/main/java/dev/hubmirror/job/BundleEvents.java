package dev.hubmirror.job;

import io.smallrye.mutiny.Uni;

/**
 * Where a bundle's one final event goes ({@code bundle.succeeded} / {@code bundle.failed} on the Kafka events topic).
 * Publishing the same bundle's event twice must be harmless to readers (the same {@code eventId}).
 */
public interface BundleEvents {

    /** No event stream (Kafka off): the bundle's end is logged and its manifest written, nothing is published. */
    BundleEvents NONE = manifest -> Uni.createFrom().voidItem();

    /** Publishes the final event of a bundle whose every job is final. */
    Uni<Void> publish(BundleManifest manifest);
}
