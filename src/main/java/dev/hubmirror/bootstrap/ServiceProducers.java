package dev.hubmirror.bootstrap;

import static dev.hubmirror.log.LogKeys.ENDPOINT;
import static dev.hubmirror.log.LogKeys.KIND;
import static dev.hubmirror.log.LogKeys.TOKEN;
import static dev.hubmirror.log.LogKeys.URL;

import dev.hubmirror.config.HubConfig;
import dev.hubmirror.config.JobConfig;
import dev.hubmirror.config.ProxyConfig;
import dev.hubmirror.config.StoreConfig;
import dev.hubmirror.config.TransferConfig;
import dev.hubmirror.config.VerifyConfig;
import dev.hubmirror.failure.RetrySettings;
import dev.hubmirror.http.ProxySettings;
import dev.hubmirror.hub.HubClient;
import dev.hubmirror.hub.NettyHubClient;
import dev.hubmirror.memory.BufferPool;
import dev.hubmirror.metrics.MeteredSnapshotMirror;
import dev.hubmirror.metrics.MicrometerHubObserver;
import dev.hubmirror.metrics.MicrometerStoreObserver;
import dev.hubmirror.metrics.MicrometerTransferObserver;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.StoreSettings;
import dev.hubmirror.transfer.FileTransfers;
import dev.hubmirror.transfer.TransferSettings;
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
    HubClient hubClient(Vertx vertx, HubConfig config, ProxySettings proxy, MeterRegistry registry) {
        LOGGER.infof("hub" + ENDPOINT + TOKEN, config.endpoint(),
                config.token().isPresent()
                ? "set (from " + ConfigProvider.getConfig().getConfigValue(HfTokenSource.TOKEN).getSourceName() + ")"
                : "none");
        try {
            return new NettyHubClient(vertx, config, proxy, new MicrometerHubObserver(registry));
        } catch (IllegalArgumentException e) {
            throw configuration(e);
        }
    }

    /**
     * The forward proxy of {@code mirror.proxy.*} and {@code HTTPS_PROXY}/{@code HTTP_PROXY}/{@code NO_PROXY}: the
     * Hub client uses it; the S3 and GCS clients can take the same settings.
     */
    @Produces
    @Singleton
    ProxySettings proxySettings(ProxyConfig config) {
        ProxySettings proxy;
        try {
            proxy = ProxySettings.resolve(config.httpsProxy(), config.httpProxy(), config.noProxy(),
                    config.username(), config.password());
        } catch (IllegalArgumentException e) {
            throw configuration(e);
        }
        LOGGER.infof("proxy %s", proxy);
        return proxy;
    }

    void closeHubClient(@Disposes HubClient client) {
        if (client instanceof NettyHubClient c) {
            c.close();
        }
    }

    @Produces
    @Singleton
    ObjectStore objectStore(StoreSettings settings) {
        ObjectStore store = objectStore(settings.config().url(), "mirror.store.url (MIRROR_STORE_URL)", settings);
        LOGGER.infof("store" + KIND + URL, store.kind(), store.url(""));
        return store;
    }

    /** What every store of the service is built with: {@code mirror.store.*}, Vert.x, the proxy, the retry meter. */
    @Produces
    @Singleton
    StoreSettings storeSettings(Vertx vertx, StoreConfig config, ProxySettings proxy, MeterRegistry registry) {
        return new StoreSettings(config, vertx, proxy, new MicrometerStoreObserver(registry));
    }

    /** The store at {@code url} ({@link Stores}); a mistake is a one-line configuration error naming {@code setting}. */
    static ObjectStore objectStore(String url, String setting, StoreSettings settings) {
        try {
            return Stores.create(url, settings);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(setting + ": " + e.getMessage());
        }
    }

    void closeStore(@Disposes ObjectStore store) throws Exception {
        if (store instanceof AutoCloseable c) {
            c.close();
        }
    }

    @Produces
    @Singleton
    BufferPool bufferPool(TransferConfig config) {
        try {
            return new BufferPool(config.memoryBudget().asLongValue(),
                    Math.toIntExact(config.pageSize().asLongValue()));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ConfigurationException(e.getMessage());
        }
    }

    /**
     * Fails startup when a part or a single-PUT file could never fit the memory budget, and builds the store and the
     * Hub client at once, so that a wrong store URL or Hub endpoint stops the service at startup, not at the first job.
     */
    void checkTransferSettings(@Observes StartupEvent event, TransferConfig config, BufferPool pool, ObjectStore store,
            HubClient hub) {
        try {
            settings(config).checkAgainst(pool);
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

    /** The per-file transfer settings of {@code mirror.transfer}. */
    static TransferSettings settings(TransferConfig config) {
        return new TransferSettings(config.partSize().asLongValue(), config.singlePutThreshold().asLongValue(),
                config.fetchesPerFile(), config.partsInFlight());
    }

    /** How whole files are tried again: {@code mirror.transfer.file-attempts} and the file-retry waits. */
    static RetrySettings fileRetry(TransferConfig config) {
        return new RetrySettings(config.fileAttempts(), config.fileRetryBackoff(), config.fileRetryMaxBackoff(),
                config.fileRetryJitter());
    }

    @Produces
    @Singleton
    SnapshotMirror snapshotMirror(HubClient hub, ObjectStore store, BufferPool pool, TransferConfig transfer,
            StoreConfig storeConfig, JobConfig jobs, MeterRegistry registry) {
        return mirror(hub, store, storeConfig.blobs(), pool, transfer, limits(jobs), registry);
    }

    /** The metered mirror from one Hub client into one store: the one place a mirror is put together. */
    static SnapshotMirror mirror(HubClient hub, ObjectStore store, boolean blobs, BufferPool pool,
            TransferConfig transfer, SnapshotLimits limits, MeterRegistry registry) {
        FileTransfers files = new FileTransfers(hub, store, pool, settings(transfer),
                new MicrometerTransferObserver(registry, store.kind(), pool));
        return new MeteredSnapshotMirror(new StreamingSnapshotMirror(hub, store, files, transfer.filesInFlight(), blobs,
                fileRetry(transfer), limits), registry);
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
