package dev.hubmirror.metrics;

import dev.hubmirror.failure.Reason;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Every meter name, tag key and tag value the service publishes, in one place. Names are Micrometer's dotted names;
 * the Prometheus registry turns {@code hubmirror.hub.downloaded} with base unit bytes into
 * {@code hubmirror_hub_downloaded_bytes_total}. Each constant's Javadoc gives the name as Prometheus shows it; the
 * dashboard and the alert rules ({@code k8s/monitoring/}, {@code k8s/base/prometheusrule.yaml}) query those, and
 * {@code MonitoringTest} checks that every name they query is in a real scrape. Tags never carry a repo, path, job id
 * or anything else unbounded: only the values listed here, the {@link Reason} names and the store kinds.
 */
public final class MetricNames {

    private MetricNames() {
    }

    // ---- meters ------------------------------------------------------------------------------------------------

    /** {@code hubmirror_hub_downloaded_bytes_total}: bytes received from the Hub and its CDN (file content). */
    public static final String HUB_DOWNLOADED = "hubmirror.hub.downloaded";

    /** {@code hubmirror_hub_responses_total{origin,status}}: HTTP responses from the Hub and CDN by status class. */
    public static final String HUB_RESPONSES = "hubmirror.hub.responses";

    /** {@code hubmirror_store_uploaded_bytes_total{store}}: file bytes written to the store (parts and single PUTs). */
    public static final String STORE_UPLOADED = "hubmirror.store.uploaded";

    /**
     * {@code hubmirror_store_upload_duration_seconds{store,upload}} (histogram): time to store one part of a multipart
     * upload ({@code upload="part"}) or one small file with a single PUT ({@code upload="object"}), retries included.
     */
    public static final String STORE_UPLOAD_DURATION = "hubmirror.store.upload.duration";

    /** {@code hubmirror_files_total{outcome,reason}}: files finished: written, skipped (already there) or failed. */
    public static final String FILES = "hubmirror.files";

    /** {@code hubmirror_transfers_active}: files being transferred now, across all jobs. */
    public static final String TRANSFERS_ACTIVE = "hubmirror.transfers.active";

    /** {@code hubmirror_jobs_total{outcome,reason}}: jobs that ran and ended: succeeded, failed or cancelled. */
    public static final String JOBS = "hubmirror.jobs";

    /** {@code hubmirror_jobs_active}: jobs running now. */
    public static final String JOBS_ACTIVE = "hubmirror.jobs.active";

    /** {@code hubmirror_jobs_queued}: jobs waiting for a free slot ({@code mirror.jobs.concurrency}). */
    public static final String JOBS_QUEUED = "hubmirror.jobs.queued";

    /** {@code hubmirror_job_duration_seconds{outcome}} (histogram): how long jobs ran, from start to end. */
    public static final String JOB_DURATION = "hubmirror.job.duration";

    /** {@code hubmirror_buffer_used_bytes}: heap held by part buffers now, out of the memory budget. */
    public static final String BUFFER_USED = "hubmirror.buffer.used";

    /** {@code hubmirror_buffer_capacity_bytes}: the memory budget, {@code mirror.transfer.memory-budget}. */
    public static final String BUFFER_CAPACITY = "hubmirror.buffer.capacity";

    /**
     * {@code hubmirror_buffer_allocated_bytes}: direct memory the buffer pool allocated so far; it grows to at most the
     * budget and is kept and reused.
     */
    public static final String BUFFER_ALLOCATED = "hubmirror.buffer.allocated";

    /** {@code hubmirror_retries_total{component,reason}}: requests sent again after a retriable failure. */
    public static final String RETRIES = "hubmirror.retries";

    /**
     * {@code kafka_consumer_fetch_manager_records_lag_max{client_id,...}}: the Kafka consumer's largest partition lag
     * in records. Not registered here: Quarkus' Micrometer Kafka binder publishes the Kafka client's own metrics when
     * the Kafka consumer runs ({@code quarkus.micrometer.binder.kafka.enabled}, on by default). Named here because
     * the dashboard and the lag alert query it.
     */
    public static final String KAFKA_CONSUMER_LAG = "kafka.consumer.fetch.manager.records.lag.max";

    /** {@code hubmirror_registry_downloaded_bytes_total{registry}}: blob bytes read from source registries. */
    public static final String REGISTRY_DOWNLOADED = "hubmirror.registry.downloaded";

    /** {@code hubmirror_registry_uploaded_bytes_total{registry}}: blob bytes the target registry accepted. */
    public static final String REGISTRY_UPLOADED = "hubmirror.registry.uploaded";

    /**
     * {@code hubmirror_registry_blobs_total{registry,outcome}}: blobs of images and charts now in the target registry:
     * {@code copied} (streamed), {@code mounted} (from another repository of the target), {@code skipped} (there).
     */
    public static final String REGISTRY_BLOBS = "hubmirror.registry.blobs";

    /** {@code hubmirror_registry_manifests_total{registry}}: manifests written to the target registry. */
    public static final String REGISTRY_MANIFESTS = "hubmirror.registry.manifests";

    /** {@code hubmirror_registry_responses_total{registry,status}}: HTTP responses from registries by status class. */
    public static final String REGISTRY_RESPONSES = "hubmirror.registry.responses";

    /**
     * {@code hubmirror_registry_copies_total{kind,outcome,reason}}: image and chart jobs that ended: succeeded,
     * failed or cancelled ({@code kind} image or chart).
     */
    public static final String REGISTRY_COPIES = "hubmirror.registry.copies";

    // ---- tag keys ----------------------------------------------------------------------------------------------

    /** The store adapter: {@code s3}, {@code gcs}, {@code file} (see {@link #storeKind}). */
    public static final String TAG_STORE = "store";
    /** How a file or job ended. */
    public static final String TAG_OUTCOME = "outcome";
    /** A {@link Reason} name, or {@link #REASON_NONE}. */
    public static final String TAG_REASON = "reason";
    /** An HTTP status class: {@code 1xx} to {@code 5xx}, or {@link #STATUS_NONE}. */
    public static final String TAG_STATUS = "status";
    /** Who answered: {@link #ORIGIN_HUB} or {@link #ORIGIN_CDN}. */
    public static final String TAG_ORIGIN = "origin";
    /** Which client retried: {@link #COMPONENT_HUB} or {@link #COMPONENT_STORE}. */
    public static final String TAG_COMPONENT = "component";
    /** What was uploaded: {@link #UPLOAD_PART} or {@link #UPLOAD_OBJECT}. */
    public static final String TAG_UPLOAD = "upload";
    /**
     * A registry host as image references name it ({@code ghcr.io}); the first {@link #MAX_REGISTRIES} distinct ones,
     * then {@link #REGISTRY_OTHER} (sources come from requests: the tag stays bounded).
     */
    public static final String TAG_REGISTRY = "registry";
    /** What a registry job copied: {@code image} or {@code chart}. */
    public static final String TAG_KIND = "kind";

    // ---- tag values --------------------------------------------------------------------------------------------

    /** A file written and verified by this run. */
    public static final String OUTCOME_WRITTEN = "written";
    /** A file already in the store, verified by an earlier run. */
    public static final String OUTCOME_SKIPPED = "skipped";
    /** A file or job that failed. */
    public static final String OUTCOME_FAILED = "failed";
    /** A job whose snapshot is complete and visible. */
    public static final String OUTCOME_SUCCEEDED = "succeeded";
    /** A job cancelled by a caller or by shutdown. */
    public static final String OUTCOME_CANCELLED = "cancelled";
    /** The reason tag of a success. */
    public static final String REASON_NONE = "none";
    /** The Hub's own origin ({@code mirror.hub.endpoint}). */
    public static final String ORIGIN_HUB = "hub";
    /** Any other host a redirect led to: the LFS/Xet CDN. */
    public static final String ORIGIN_CDN = "cdn";
    /** No HTTP response: the connection failed or timed out. */
    public static final String STATUS_NONE = "none";
    /** The Hub client. */
    public static final String COMPONENT_HUB = "hub";
    /** The store adapter. */
    public static final String COMPONENT_STORE = "store";
    /** The registry client. */
    public static final String COMPONENT_REGISTRY = "registry";
    /** A blob streamed from the source into the target. */
    public static final String OUTCOME_COPIED = "copied";
    /** A blob mounted from another repository of the target. */
    public static final String OUTCOME_MOUNTED = "mounted";
    /** Registries beyond the first {@link #MAX_REGISTRIES} seen. */
    public static final String REGISTRY_OTHER = "other";
    /** Distinct registry tag values at most. */
    public static final int MAX_REGISTRIES = 32;
    /** A part of a multipart upload. */
    public static final String UPLOAD_PART = "part";
    /** A whole object written with one PUT. */
    public static final String UPLOAD_OBJECT = "object";
    /** A store kind this build does not know (keeps the tag bounded). */
    public static final String STORE_OTHER = "other";

    private static final Set<String> STORE_KINDS = Set.of("s3", "gcs", "file");
    private static final String[] STATUS_CLASSES = {STATUS_NONE, "1xx", "2xx", "3xx", "4xx", "5xx"};

    // ---- histogram buckets -------------------------------------------------------------------------------------

    /** Bucket bounds of {@link #STORE_UPLOAD_DURATION}: a 16 MiB part takes about a second at 130 Mbit/s. */
    public static final Duration[] UPLOAD_BUCKETS = {Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
        Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60),
        Duration.ofSeconds(120)};

    /** Bucket bounds of {@link #JOB_DURATION}: from a config-only repo to a multi-hour 100 GB model. */
    public static final Duration[] JOB_BUCKETS = {Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10),
        Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(4), Duration.ofHours(8),
        Duration.ofHours(24)};

    // ---- value mapping -----------------------------------------------------------------------------------------

    /** The status tag of an HTTP status: its class ({@code 2xx}...), or {@link #STATUS_NONE} for 0 or nonsense. */
    public static String statusClass(int status) {
        int index = status / 100;
        return status > 0 && index >= 1 && index <= 5 ? STATUS_CLASSES[index] : STATUS_NONE;
    }

    /** The reason tag: the {@link Reason} name as REST errors and Kafka events spell it. */
    public static String reason(Reason reason) {
        return reason == null ? Reason.INTERNAL.name() : reason.name();
    }

    /** The store tag for {@code ObjectStore.kind()}: {@code s3}, {@code gcs}, {@code file}, else {@code other}. */
    public static String storeKind(String kind) {
        String k = kind == null ? "" : kind.toLowerCase(Locale.ROOT);
        return STORE_KINDS.contains(k) ? k : STORE_OTHER;
    }
}
