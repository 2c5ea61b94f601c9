package dev.hubmirror.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Where mirrored snapshots are written. */
@ConfigMapping(prefix = "mirror.store")
public interface StoreConfig {

    /**
     * The store URL: {@code s3://bucket/prefix}, {@code gs://bucket/prefix}, {@code file:///path} or a directory
     * path. Env {@code MIRROR_STORE_URL}. Default: {@code ./data/hub-cache} under the working directory.
     */
    @WithDefault("data/hub-cache")
    String url();

    /** Also write {@code blobs/<etag>} beside each snapshot file, as a server-side copy. */
    @WithDefault("false")
    boolean blobs();

    /** S3 settings, used when the URL is {@code s3://}. */
    S3 s3();

    /** Google Cloud Storage settings, used when the URL is {@code gs://}. */
    Gcs gcs();

    /** S3 client settings. The AWS SDK also reads its own env ({@code AWS_REGION}, {@code AWS_ACCESS_KEY_ID}...). */
    interface S3 {

        /** Endpoint override (MinIO, Ceph, s3proxy); default: env {@code AWS_ENDPOINT_URL_S3}, else AWS. */
        Optional<String> endpoint();

        /** Region; default: the SDK's region chain ({@code AWS_REGION}), else {@code us-east-1}. */
        Optional<String> region();

        /** Path-style addressing; env {@code MIRROR_S3_PATH_STYLE}. Default: on when an endpoint override is set. */
        Optional<Boolean> pathStyle();

        /** Most concurrent HTTP connections of the S3 client. */
        @WithDefault("64")
        int maxConnections();

        /** Attempts per S3 call (parts, creates, completes), first try included. */
        @WithDefault("5")
        int maxAttempts();

        /** The wait before the first retry of an S3 call; it doubles per retry, with jitter. */
        @WithDefault("250ms")
        Duration initialBackoff();

        /** The longest wait between two attempts of an S3 call. */
        @WithDefault("10s")
        Duration maxBackoff();

        /** The random fraction of each wait between attempts of an S3 call, 0 to 1. */
        @WithDefault("0.5")
        double retryJitter();
    }

    /**
     * Google Cloud Storage client settings. Credentials come from Application Default Credentials: Workload Identity
     * on GKE, else {@code GOOGLE_APPLICATION_CREDENTIALS}.
     */
    interface Gcs {

        /** Project id for the client; default: the one ADC or {@code GOOGLE_CLOUD_PROJECT} names (objects need none). */
        Optional<String> projectId();

        /** Endpoint override, e.g. {@code http://localhost:4443} for an emulator; default: Google's JSON API host. */
        Optional<String> host();

        /** Send requests without credentials (emulators); default: Application Default Credentials. */
        @WithDefault("false")
        boolean anonymous();

        /**
         * Size of one resumable-upload request, a multiple of 256 KiB; a failed request resends at most this much,
         * and each upload in flight holds one such buffer on the heap.
         */
        @WithDefault("16M")
        MemorySize chunkSize();

        /** Threads of the {@code hub-mirror-gcs} worker pool that runs the blocking client (one call each). */
        @WithDefault("16")
        int workers();

        /** Attempts per GCS request (a chunk, a metadata call), first try included. */
        @WithDefault("6")
        int maxAttempts();

        /** The wait before the first retry of a GCS request; it doubles per retry, with jitter. */
        @WithDefault("1s")
        Duration initialBackoff();

        /** The longest wait between two attempts of a GCS request (the client jitters each wait itself). */
        @WithDefault("32s")
        Duration maxBackoff();
    }
}
