package dev.hubmirror.bootstrap;

import dev.hubmirror.config.RegistryConfig;
import dev.hubmirror.failure.RetrySettings;
import dev.hubmirror.failure.Secrets;
import dev.hubmirror.http.HttpSettings;
import dev.hubmirror.http.ProxySettings;
import dev.hubmirror.job.ArtifactMirror;
import dev.hubmirror.log.LogKeys;
import dev.hubmirror.memory.BufferPool;
import dev.hubmirror.metrics.MicrometerRegistryObserver;
import dev.hubmirror.registry.RegistryClient;
import dev.hubmirror.registry.RegistryCredentials;
import dev.hubmirror.registry.RegistryMirror;
import dev.hubmirror.registry.RegistrySettings;
import dev.hubmirror.registry.RepositoryMapping;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.vertx.core.Vertx;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Wires the registry engine from {@code mirror.registry.*}: its HTTP client (the same Netty client as the Hub's, on
 * Vert.x's event loops, through the same forward proxy), the credentials (Docker config, per-host entries, the
 * target's user), the mapping to the target, the engine on the shared memory budget, and its meters. Without
 * {@code mirror.registry.target.url}, images and charts are refused ({@link ArtifactMirror#NONE}).
 */
@Singleton
public class RegistryProducers {

    private static final Logger LOGGER = Logger.getLogger(RegistryProducers.class);
    private static final String USER_AGENT = "hub-mirror/0.1";

    private RegistryClient client;

    @Produces
    @Singleton
    ArtifactMirror artifactMirror(RegistryConfig config, Vertx vertx, BufferPool pool, ProxySettings proxy,
            MeterRegistry registry, Secrets secrets) {
        if (config.target().url().isEmpty() || config.target().url().get().isBlank()) {
            LOGGER.infof("registry" + LogKeys.REGISTRY + ": images and charts are refused (set mirror.registry.target.url)",
                    "none");
            return ArtifactMirror.NONE;
        }
        String url = config.target().url().get().trim();
        String host = targetHost(url);
        Set<String> plain = new HashSet<>(config.plainHttp().orElse(List.of()));
        if (url.toLowerCase(Locale.ROOT).startsWith("http://")) {
            plain.add(host);
        }
        RepositoryMapping mapping;
        RegistrySettings settings;
        RegistryCredentials credentials;
        try {
            mapping = new RepositoryMapping(host, config.mapping().dropSegments(), config.mapping().prefix()
                    .orElse(""), config.mapping().classicChartPath());
            settings = settings(config, plain, proxy);
            credentials = credentials(config, host);
            // a Docker config's passwords are known only once it is read: redact them like every configured secret
            credentials.secrets().forEach(secrets::add);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(e.getMessage(), e);
        }
        MicrometerRegistryObserver observer = new MicrometerRegistryObserver(registry, host);
        client = new RegistryClient(vertx, settings, credentials, host, observer);
        RegistryMirror mirror;
        try {
            mirror = new RegistryMirror(client, pool, observer);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(e.getMessage(), e);
        }
        LOGGER.infof("registry" + LogKeys.REGISTRY + LogKeys.MAPPING + LogKeys.CREDENTIALS + LogKeys.PLAIN_HTTP
                + LogKeys.PRIVATE_HOSTS, host,
                mapping.describe(), credentials, settings.plainHttpHosts(), settings.privateHosts());
        return new RegistryArtifacts(mirror, mapping, observer);
    }

    void close(@Disposes ArtifactMirror artifacts) {
        if (client != null) {
            client.close();
        }
    }

    /** The target's host[:port] from {@code host}, {@code host:port} or an http(s) URL. */
    static String targetHost(String url) {
        String u = url.trim();
        if (u.contains("://")) {
            URI parsed = URI.create(u);
            if (parsed.getRawAuthority() == null) {
                throw new ConfigurationException("mirror.registry.target.url '" + url + "' has no host");
            }
            return parsed.getRawAuthority().toLowerCase(Locale.ROOT);
        }
        int slash = u.indexOf('/');
        return (slash >= 0 ? u.substring(0, slash) : u).toLowerCase(Locale.ROOT);
    }

    static RegistrySettings settings(RegistryConfig c, Set<String> plain, ProxySettings proxy) {
        HttpSettings http = new HttpSettings(c.maxConnectionsPerHost(), c.maxWaitingRequestsPerHost(),
                c.connectTimeout(), c.idleTimeout(), c.minRate().asLongValue(), c.minRateWindow(),
                c.connectionIdleTimeout(), USER_AGENT, c.trustCertificates().orElse(List.of()).stream()
                        .map(String::trim).filter(s -> !s.isEmpty()).map(Path::of).toList(), proxy);
        RetrySettings retries;
        try {
            retries = new RetrySettings(c.maxAttempts(), c.initialBackoff(), c.maxBackoff(), c.retryJitter());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("mirror.registry.max-attempts, initial-backoff, max-backoff or "
                    + "retry-jitter: " + e.getMessage(), e);
        }
        long manifest = c.maxManifestSize().asLongValue();
        if (manifest > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("mirror.registry.max-manifest-size must be below 2G");
        }
        return new RegistrySettings(http, retries, c.blobAttempts(), c.chunkSize().asLongValue(),
                c.singlePutThreshold().asLongValue(), c.blobsInFlight(), (int) manifest, c.maxRedirects(),
                c.allowPrivateRedirects(), plain, new HashSet<>(c.privateHosts().orElse(List.of())),
                c.maxHelmIndexSize().asLongValue(), c.maxChartSize().asLongValue());
    }

    static RegistryCredentials credentials(RegistryConfig c, String target) {
        RegistryCredentials credentials = c.dockerConfig().filter(p -> !p.isBlank())
                .map(p -> RegistryCredentials.fromDockerConfig(Path.of(p.trim()))).orElse(RegistryCredentials.NONE);
        for (var entry : c.credentials().entrySet()) {
            credentials = credentials.with(entry.getKey(), new RegistryCredentials.Basic(entry.getValue().username(),
                    entry.getValue().password()));
        }
        if (c.target().username().isPresent()) {
            credentials = credentials.with(target, new RegistryCredentials.Basic(c.target().username().get(),
                    c.target().password().orElse("")));
        }
        return credentials;
    }
}
