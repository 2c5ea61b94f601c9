package dev.hubmirror.metrics;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.transfer.MirrorOutcome;
import dev.hubmirror.transfer.MirrorProgress;
import dev.hubmirror.transfer.MirrorSpec;
import dev.hubmirror.transfer.SnapshotMirror;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link SnapshotMirror} that measures the mirrors it runs: jobs running now, jobs by outcome and reason, and how
 * long they ran. A job runs exactly while its mirror is subscribed, so this sees every start and end (success,
 * failure, cancellation) without the job package knowing about metrics.
 */
public final class MeteredSnapshotMirror implements SnapshotMirror {

    private final SnapshotMirror delegate;
    private final MeterRegistry registry;
    private final AtomicInteger active;

    /** Measures {@code delegate}; registers the gauge and the success counter at once. */
    public MeteredSnapshotMirror(SnapshotMirror delegate, MeterRegistry registry) {
        this.delegate = delegate;
        this.registry = registry;
        this.active = SharedGauges.count(registry, MetricNames.JOBS_ACTIVE, "Jobs running now");
        jobs(MetricNames.OUTCOME_SUCCEEDED, MetricNames.REASON_NONE);
        duration(MetricNames.OUTCOME_SUCCEEDED);
    }

    @Override
    public Uni<MirrorOutcome> mirror(MirrorSpec spec, MirrorProgress progress) {
        AtomicLong started = new AtomicLong();
        return delegate.mirror(spec, progress)
                .onSubscription().invoke(() -> {
                    started.set(System.nanoTime());
                    active.incrementAndGet();
                })
                .onTermination().invoke((outcome, failure, cancelled) -> {
                    active.decrementAndGet();
                    String result;
                    String reason;
                    if (cancelled) {
                        result = MetricNames.OUTCOME_CANCELLED;
                        reason = MetricNames.reason(Reason.CANCELLED);
                    } else if (failure != null) {
                        result = MetricNames.OUTCOME_FAILED;
                        reason = MetricNames.reason(MirrorException.of(failure).reason());
                    } else {
                        result = MetricNames.OUTCOME_SUCCEEDED;
                        reason = MetricNames.REASON_NONE;
                    }
                    jobs(result, reason).increment();
                    duration(result).record(System.nanoTime() - started.get(), TimeUnit.NANOSECONDS);
                });
    }

    private Counter jobs(String outcome, String reason) {
        return Counter.builder(MetricNames.JOBS).tag(MetricNames.TAG_OUTCOME, outcome)
                .tag(MetricNames.TAG_REASON, reason)
                .description("Jobs that ran and ended, by outcome and failure reason").register(registry);
    }

    private Timer duration(String outcome) {
        return Timer.builder(MetricNames.JOB_DURATION).tag(MetricNames.TAG_OUTCOME, outcome)
                .serviceLevelObjectives(MetricNames.JOB_BUCKETS)
                .description("How long jobs ran, from start to end").register(registry);
    }
}
