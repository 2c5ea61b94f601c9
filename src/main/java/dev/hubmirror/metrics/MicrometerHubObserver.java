package dev.hubmirror.metrics;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.HubObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The Hub client's meters: responses by origin and status class, and retries by reason. */
public final class MicrometerHubObserver implements HubObserver {

    private static final int[] STATUS_SAMPLES = {0, 100, 200, 300, 400, 500};

    private final MeterRegistry registry;
    /** Response counters by origin (0 Hub, 1 CDN) and status class index (0 none, 1..5 for 1xx..5xx). */
    private final Counter[][] responses = new Counter[2][STATUS_SAMPLES.length];

    /** Registers the response counters (all zero) so that rates work from the first scrape. */
    public MicrometerHubObserver(MeterRegistry registry) {
        this.registry = registry;
        String[] origins = {MetricNames.ORIGIN_HUB, MetricNames.ORIGIN_CDN};
        for (int o = 0; o < origins.length; o++) {
            for (int s = 0; s < STATUS_SAMPLES.length; s++) {
                responses[o][s] = Counter.builder(MetricNames.HUB_RESPONSES)
                        .tag(MetricNames.TAG_ORIGIN, origins[o])
                        .tag(MetricNames.TAG_STATUS, MetricNames.statusClass(STATUS_SAMPLES[s]))
                        .description("HTTP responses from the Hub and its CDN by status class; status=none: no "
                                + "response (connection failed or timed out)")
                        .register(registry);
            }
        }
    }

    @Override
    public void response(int status, boolean fromHub) {
        int index = status >= 100 && status < 600 ? status / 100 : 0;
        responses[fromHub ? 0 : 1][index].increment();
    }

    @Override
    public void retry(Reason reason) {
        Retries.counter(registry, MetricNames.COMPONENT_HUB, reason).increment();
    }
}
