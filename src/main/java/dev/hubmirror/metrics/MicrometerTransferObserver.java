package dev.hubmirror.metrics;

import static dev.hubmirror.metrics.MetricNames.TAG_OUTCOME;
import static dev.hubmirror.metrics.MetricNames.TAG_REASON;
import static dev.hubmirror.metrics.MetricNames.TAG_STORE;
import static dev.hubmirror.metrics.MetricNames.TAG_UPLOAD;

import dev.hubmirror.transfer.FileOutcome;
import dev.hubmirror.memory.BufferPool;
import dev.hubmirror.transfer.TransferObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The transfer engine's meters: bytes in from the Hub and out to the store, files by outcome, transfers in flight,
 * store upload times, and the memory budget's use. Registers the gauges and the success counters at construction, so
 * they are in the first scrape.
 */
public final class MicrometerTransferObserver implements TransferObserver {

    private final MeterRegistry registry;
    private final Counter downloaded;
    private final Counter uploaded;
    private final Counter written;
    private final Counter skipped;
    private final Timer partUploads;
    private final Timer objectPuts;
    private final AtomicInteger active;

    /** Meters for transfers into a store of the given kind ({@code ObjectStore.kind()}) under the given budget. */
    public MicrometerTransferObserver(MeterRegistry registry, String storeKind, BufferPool budget) {
        this.registry = registry;
        String store = MetricNames.storeKind(storeKind);
        this.downloaded = Counter.builder(MetricNames.HUB_DOWNLOADED).baseUnit("bytes")
                .description("File bytes received from the Hub and its CDN").register(registry);
        this.uploaded = Counter.builder(MetricNames.STORE_UPLOADED).baseUnit("bytes").tag(TAG_STORE, store)
                .description("File bytes written to the store").register(registry);
        this.written = files(MetricNames.OUTCOME_WRITTEN, MetricNames.REASON_NONE);
        this.skipped = files(MetricNames.OUTCOME_SKIPPED, MetricNames.REASON_NONE);
        this.partUploads = uploadTimer(store, MetricNames.UPLOAD_PART);
        this.objectPuts = uploadTimer(store, MetricNames.UPLOAD_OBJECT);
        this.active = SharedGauges.count(registry, MetricNames.TRANSFERS_ACTIVE, "Files being transferred now");
        Gauge.builder(MetricNames.BUFFER_USED, budget, BufferPool::inUse).baseUnit("bytes").strongReference(true)
                .description("Memory granted to file data now: part buffers and store chunks "
                        + "(mirror.transfer.memory-budget)").register(registry);
        Gauge.builder(MetricNames.BUFFER_CAPACITY, budget, BufferPool::capacity).baseUnit("bytes")
                .strongReference(true).description("The memory budget for file data").register(registry);
        Gauge.builder(MetricNames.BUFFER_ALLOCATED, budget, BufferPool::allocated).baseUnit("bytes")
                .strongReference(true).description("Direct memory the buffer pool has allocated (kept and reused)")
                .register(registry);
    }

    @Override
    public void transferStarted() {
        active.incrementAndGet();
    }

    @Override
    public void transferEnded() {
        active.decrementAndGet();
    }

    @Override
    public void fileFinished(FileOutcome outcome) {
        if (outcome.failure().isPresent()) {
            files(MetricNames.OUTCOME_FAILED, MetricNames.reason(outcome.failure().get().reason())).increment();
        } else if (outcome.skipped()) {
            skipped.increment();
        } else {
            written.increment();
        }
    }

    @Override
    public void downloaded(long bytes) {
        downloaded.increment(bytes);
    }

    @Override
    public void partUploaded(long bytes, long nanos) {
        uploaded.increment(bytes);
        partUploads.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void objectPut(long bytes, long nanos) {
        uploaded.increment(bytes);
        objectPuts.record(nanos, TimeUnit.NANOSECONDS);
    }

    private Counter files(String outcome, String reason) {
        return Counter.builder(MetricNames.FILES).tag(TAG_OUTCOME, outcome).tag(TAG_REASON, reason)
                .description("Files finished, by outcome and failure reason").register(registry);
    }

    private Timer uploadTimer(String store, String upload) {
        return Timer.builder(MetricNames.STORE_UPLOAD_DURATION).tag(TAG_STORE, store).tag(TAG_UPLOAD, upload)
                .serviceLevelObjectives(MetricNames.UPLOAD_BUCKETS)
                .description("Time to store one part or one small object, retries included").register(registry);
    }
}
