package dev.hubmirror.bootstrap;

import dev.hubmirror.config.HubConfig;
import dev.hubmirror.config.JobConfig;
import dev.hubmirror.config.StoreConfig;
import dev.hubmirror.config.TransferConfig;
import dev.hubmirror.config.VerifyConfig;
import dev.hubmirror.hub.HubClient;
import dev.hubmirror.hub.VertxHubClient;
import dev.hubmirror.metrics.MeteredSnapshotMirror;
import dev.hubmirror.metrics.MicrometerHubObserver;
import dev.hubmirror.metrics.MicrometerStoreObserver;
import dev.hubmirror.metrics.MicrometerTransferObserver;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.StoreLocation;
import dev.hubmirror.store.fs.FilesystemObjectStore;
import dev.hubmirror.store.gcs.GcsObjectStore;
import dev.hubmirror.store.s3.S3ObjectStore;
import dev.hubmirror.transfer.FileTransfer;
import dev.hubmirror.transfer.MemoryBudget;
import dev.hubmirror.transfer.SnapshotLimits;
import dev.hubmirror.transfer.SnapshotMirror;
import dev.hubmirror.transfer.SnapshotVerifier;
import dev.hubmirror.transfer.StreamingSnapshotMirror;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.vertx.core.Vertx;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * Wires the adapters chosen by configuration into the ports the rest of the service uses. The only place that knows
 * every adapter.
 */
@Singleton
public class ServiceProducers {

    private static final Logger LOGGER = Logger.getLogger(ServiceProducers.class);

    @Produces
    @Singleton
    HubClient hubClient(Vertx vertx, HubConfig config, MeterRegistry registry) {
        LOGGER.infof("hub endpoint=%s token=%s", config.endpoint(), config.token().isPresent()
                ? "set (from " + ConfigProvider.getConfig().getConfigValue(HfTokenSource.TOKEN).getSourceName() + ")"
                : "none");
        try {
            return new VertxHubClient(vertx, config, new MicrometerHubObserver(registry));
        } catch (IllegalArgumentException e) {
            throw configuration(e);
        }
    }

    void closeHubClient(@Disposes HubClient client) {
        if (client instanceof VertxHubClient c) {
            c.close();
        }
    }

    @Produces
    @Singleton
    ObjectStore objectStore(Vertx vertx, StoreConfig config, MeterRegistry registry) {
        StoreLocation location;
        try {
            location = StoreLocation.parse(config.url());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("mirror.store.url (MIRROR_STORE_URL): " + e.getMessage());
        }
        ObjectStore store = switch (location.scheme()) {
            case "s3" -> new S3ObjectStore(location, config.s3(), new MicrometerStoreObserver(registry));
            case "file" -> new FilesystemObjectStore(location, vertx);
            case "gs" -> new GcsObjectStore(location, config.gcs(), vertx);
            default -> throw new ConfigurationException("mirror.store.url '" + config.url()
                    + "': scheme '" + location.scheme() + "' is not supported by this build");
        };
        LOGGER.infof("store kind=%s url=%s", store.kind(), store.url(""));
        return store;
    }

    void closeStore(@Disposes ObjectStore store) throws Exception {
        if (store instanceof AutoCloseable c) {
            c.close();
        }
    }

    @Produces
    @Singleton
    MemoryBudget memoryBudget(TransferConfig config) {
        return new MemoryBudget(config.memoryBudget().asLongValue());
    }

    /**
     * Fails startup when a part or a single-PUT file could never fit the memory budget, and builds the store and the
     * Hub client at once, so that a wrong store URL or Hub endpoint stops the service at startup, not at the first job.
     */
    void checkTransferSettings(@Observes StartupEvent event, TransferConfig config, ObjectStore store, HubClient hub) {
        try {
            FileTransfer.checkSettings(config.memoryBudget().asLongValue(), config.partSize().asLongValue(),
                    config.singlePutThreshold().asLongValue(), config.partsInFlight(), config.fetchesPerFile());
        } catch (IllegalArgumentException e) {
            throw configuration(e);
        }
    }

    /**
     * A configuration mistake found while wiring: Quarkus prints a {@link ConfigurationException}'s message as one line
     * at startup and exits, instead of logging a stack trace.
     */
    static ConfigurationException configuration(IllegalArgumentException e) {
        return new ConfigurationException(e.getMessage());
    }

    @Produces
    @Singleton
    SnapshotMirror snapshotMirror(HubClient hub, ObjectStore store, MemoryBudget budget, TransferConfig transfer,
            StoreConfig storeConfig, JobConfig jobs, MeterRegistry registry) {
        FileTransfer files = new FileTransfer(hub, store, budget, transfer.partSize().asLongValue(),
                transfer.singlePutThreshold().asLongValue(), transfer.partsInFlight(), transfer.fetchesPerFile(),
                new MicrometerTransferObserver(registry, store.kind(), budget));
        return new MeteredSnapshotMirror(
                new StreamingSnapshotMirror(hub, store, files, transfer.filesInFlight(), storeConfig.blobs(),
                        new StreamingSnapshotMirror.FileRetry(transfer.fileAttempts(), transfer.fileRetryBackoff()),
                        limits(jobs)), registry);
    }

    /** The per-job limits of {@code mirror.jobs}. */
    static SnapshotLimits limits(JobConfig jobs) {
        return new SnapshotLimits(jobs.maxFilesPerJob(), jobs.maxBytesPerJob().asLongValue());
    }

    @Produces
    @Singleton
    SnapshotVerifier snapshotVerifier(ObjectStore store, VerifyConfig config) {
        return new SnapshotVerifier(store, config.concurrency(), config.maxListed());
    }
}
