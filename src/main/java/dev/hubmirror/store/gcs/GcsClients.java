package dev.hubmirror.store.gcs;

import static dev.hubmirror.log.LogKeys.ENDPOINT;
import static dev.hubmirror.log.LogKeys.PROXY;

import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.cloud.NoCredentials;
import com.google.cloud.http.HttpTransportOptions;
import com.google.cloud.storage.HttpStorageOptions;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import dev.hubmirror.config.StoreConfig;
import dev.hubmirror.failure.RetrySettings;
import dev.hubmirror.http.HttpOrigin;
import dev.hubmirror.http.ProxySettings;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The Google Cloud Storage client a {@link GcsObjectStore} builds from {@code mirror.store.gcs.*}: credentials, host,
 * attempts, the forward proxy, and the transport hook that learns resumable sessions ({@link ResumableSessions}).
 */
final class GcsClients {

    private static final Logger LOGGER = Logger.getLogger(GcsClients.class);

    private GcsClients() {
    }

    /** The proxy GCS requests go through, if any. */
    static Optional<java.net.Proxy> proxyFor(StoreConfig.Gcs config, ProxySettings proxy) {
        URI endpoint = URI.create(config.host().map(String::trim).filter(h -> !h.isEmpty())
                .orElse("https://storage.googleapis.com"));
        return proxy.forTarget(HttpOrigin.of(endpoint)).map(p -> {
            if (p.username().isPresent()) {
                throw new IllegalArgumentException("the forward proxy " + p.host() + ":" + p.port() + " for GCS ("
                        + endpoint.getHost() + ") needs credentials (mirror.proxy.username), which the GCS client "
                        + "cannot send: put " + endpoint.getHost() + " into NO_PROXY (mirror.proxy.no-proxy) or use a "
                        + "proxy without authentication for it");
            }
            LOGGER.infof("store gcs" + ENDPOINT + PROXY + ":%d", endpoint.getHost(), p.host(), p.port());
            return new java.net.Proxy(java.net.Proxy.Type.HTTP, InetSocketAddress.createUnresolved(p.host(),
                    p.port()));
        });
    }

    record Tracked(Storage storage, ResumableSessions sessions) {
    }

    static Tracked sessionTracking(HttpStorageOptions.Builder builder, Optional<java.net.Proxy> proxy) {
        ResumableSessions sessions = new ResumableSessions();
        HttpTransportOptions base = HttpStorageOptions.defaults().getDefaultTransportOptions();
        if (proxy.isPresent()) {
            java.net.Proxy via = proxy.get();
            base = base.toBuilder().setHttpTransportFactory(() -> new NetHttpTransport.Builder().setProxy(via).build())
                    .build();
        }
        HttpStorageOptions options = builder.setTransportOptions(sessions.transportOptions(base)).build();
        sessions.bind(options);
        return new Tracked(options.getService(), sessions);
    }

    /** Client options from configuration: ADC unless anonymous, project and host overrides, attempts per request. */
    static HttpStorageOptions.Builder options(StoreConfig.Gcs config) {
        HttpStorageOptions.Builder builder = StorageOptions.http();
        config.projectId().ifPresent(builder::setProjectId);
        config.host().ifPresent(builder::setHost);
        if (config.anonymous()) {
            builder.setCredentials(NoCredentials.getInstance());
        }
        // the Google client retries each request itself (resuming a session from the offset it reports) and always
        // jitters its waits
        RetrySettings retry = new RetrySettings(config.maxAttempts(), config.initialBackoff(), config.maxBackoff(), 1);
        builder.setRetrySettings(StorageOptions.getDefaultRetrySettings().toBuilder()
                .setMaxAttempts(retry.maxAttempts())
                .setInitialRetryDelayDuration(retry.initialBackoff())
                .setMaxRetryDelayDuration(retry.maxBackoff())
                .setRetryDelayMultiplier(2.0)
                .build());
        return builder;
    }

    static int chunkSize(StoreConfig.Gcs config) {
        long bytes = config.chunkSize().asLongValue();
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("mirror.store.gcs.chunk-size must be below 2 GiB, got " + bytes);
        }
        return (int) bytes;
    }}
