package dev.hubmirror.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts that several meter holders share: one per registry and gauge name. A registry keeps the first gauge
 * registered under a name and ignores later ones, so every mirror (the default one and those of named targets and
 * tokens) must move the same count for the gauge to tell the truth.
 */
final class SharedGauges {

    private static final Map<MeterRegistry, Map<String, AtomicInteger>> COUNTS = new WeakHashMap<>();

    private SharedGauges() {
    }

    /** The count behind gauge {@code name} in {@code registry}, registering the gauge on first use. */
    static AtomicInteger count(MeterRegistry registry, String name, String description) {
        synchronized (COUNTS) {
            return COUNTS.computeIfAbsent(registry, r -> new HashMap<>()).computeIfAbsent(name, n -> {
                AtomicInteger count = new AtomicInteger();
                Gauge.builder(name, count, AtomicInteger::get).strongReference(true).description(description)
                        .register(registry);
                return count;
            });
        }
    }
}
