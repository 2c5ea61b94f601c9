package dev.hubmirror.metrics;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.store.StoreObserver;
import io.micrometer.core.instrument.MeterRegistry;

/** The store adapter's meters: retries by reason. */
public final class MicrometerStoreObserver implements StoreObserver {

    private final MeterRegistry registry;

    public MicrometerStoreObserver(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void retry(Reason reason) {
        Retries.counter(registry, MetricNames.COMPONENT_STORE, reason).increment();
    }
}
