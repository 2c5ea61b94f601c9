package dev.hubmirror.metrics;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.registry.RegistryObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registry engine's meters: blob bytes read and written, blobs by outcome, manifests written, responses by status
 * class and retries by reason, each per registry (the host; at most {@link MetricNames#MAX_REGISTRIES} distinct
 * hosts, the rest as {@code other}); and the outcome of image and chart jobs.
 */
public final class MicrometerRegistryObserver implements RegistryObserver {

    private final MeterRegistry registry;
    private final Set<String> known = ConcurrentHashMap.newKeySet();

    /** Registers the target's blob counters (all zero), so that rates work from the first scrape. */
    public MicrometerRegistryObserver(MeterRegistry registry, String target) {
        this.registry = registry;
        if (target != null) {
            for (String outcome : new String[] {MetricNames.OUTCOME_COPIED, MetricNames.OUTCOME_MOUNTED,
                MetricNames.OUTCOME_SKIPPED}) {
                blobs(tag(target), outcome);
            }
            bytes(MetricNames.REGISTRY_UPLOADED, tag(target), "Blob bytes the target registry accepted");
            manifests(tag(target));
        }
    }

    private String tag(String host) {
        String h = host == null ? "" : host.toLowerCase(Locale.ROOT);
        if (known.contains(h)) {
            return h;
        }
        synchronized (known) {
            if (known.size() < MetricNames.MAX_REGISTRIES) {
                known.add(h);
                return h;
            }
        }
        return MetricNames.REGISTRY_OTHER;
    }

    private Counter bytes(String name, String host, String description) {
        return Counter.builder(name).baseUnit("bytes").tag(MetricNames.TAG_REGISTRY, host).description(description)
                .register(registry);
    }

    private Counter blobs(String host, String outcome) {
        return Counter.builder(MetricNames.REGISTRY_BLOBS).tag(MetricNames.TAG_REGISTRY, host)
                .tag(MetricNames.TAG_OUTCOME, outcome)
                .description("Blobs of images and charts now in the target registry: copied, mounted or skipped")
                .register(registry);
    }

    private Counter manifests(String host) {
        return Counter.builder(MetricNames.REGISTRY_MANIFESTS).tag(MetricNames.TAG_REGISTRY, host)
                .description("Manifests written to the target registry").register(registry);
    }

    @Override
    public void response(String host, int status) {
        Counter.builder(MetricNames.REGISTRY_RESPONSES).tag(MetricNames.TAG_REGISTRY, tag(host))
                .tag(MetricNames.TAG_STATUS, MetricNames.statusClass(status))
                .description("HTTP responses from registries by status class; status=none: no response")
                .register(registry).increment();
    }

    @Override
    public void retry(String host, Reason reason) {
        Retries.counter(registry, MetricNames.COMPONENT_REGISTRY, reason).increment();
    }

    @Override
    public void downloaded(String host, long bytes) {
        bytes(MetricNames.REGISTRY_DOWNLOADED, tag(host), "Blob bytes read from source registries").increment(bytes);
    }

    @Override
    public void uploaded(String host, long bytes) {
        bytes(MetricNames.REGISTRY_UPLOADED, tag(host), "Blob bytes the target registry accepted").increment(bytes);
    }

    @Override
    public void blob(String host, BlobOutcome outcome, long size) {
        blobs(tag(host), switch (outcome) {
            case COPIED -> MetricNames.OUTCOME_COPIED;
            case MOUNTED -> MetricNames.OUTCOME_MOUNTED;
            case SKIPPED -> MetricNames.OUTCOME_SKIPPED;
        }).increment();
    }

    @Override
    public void manifestPushed(String host) {
        manifests(tag(host)).increment();
    }

    /** An image or chart job ended with {@code outcome} ({@code reason} for a failure, else null). */
    public void copyEnded(String kind, String outcome, Reason reason) {
        Counter.builder(MetricNames.REGISTRY_COPIES).tag(MetricNames.TAG_KIND, kind)
                .tag(MetricNames.TAG_OUTCOME, outcome)
                .tag(MetricNames.TAG_REASON, reason == null ? MetricNames.REASON_NONE : MetricNames.reason(reason))
                .description("Image and chart jobs that ended, by kind, outcome and reason").register(registry)
                .increment();
    }
}
