package dev.hubmirror.metrics;

import dev.hubmirror.failure.Reason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The one definition of the retry counter, shared by the Hub and store observers. */
final class Retries {

    private Retries() {
    }

    static Counter counter(MeterRegistry registry, String component, Reason reason) {
        return Counter.builder(MetricNames.RETRIES)
                .tag(MetricNames.TAG_COMPONENT, component)
                .tag(MetricNames.TAG_REASON, MetricNames.reason(reason))
                .description("Requests sent again after a retriable failure, by client and reason of the failure")
                .register(registry);
    }
}
