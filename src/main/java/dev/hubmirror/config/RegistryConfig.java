package dev.hubmirror.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Container images and Helm charts: the target registry they go to, where in it, the credentials, and how blobs move
 * (docs/registry.md). Without {@code target.url}, requests that name images or charts are refused.
 */
@ConfigMapping(prefix = "mirror.registry")
public interface RegistryConfig {

    /** The target registry. */
    Target target();

    /** Where a source image goes in the target ({@code RepositoryMapping}). */
    Mapping mapping();

    /**
     * A Docker config file ({@code config.json}, or the {@code .dockerconfigjson} of a {@code docker-registry} Secret
     * such as the seed's {@code regcred}) with credentials for any registry it lists: the target, and sources that
     * need them. Never logged.
     */
    Optional<String> dockerConfig();

    /** User names and passwords per registry host ({@code mirror.registry.credentials."ghcr.io".username}). */
    Map<String, Credentials> credentials();

    /**
     * Registries (host or host:port) reached over plain http instead of https: only for a registry on a trusted
     * network (a lab, the tests). Credentials then travel in clear.
     */
    Optional<List<String>> plainHttp();

    /**
     * Sources (registries and Helm repositories; host or host:port) that may be on the private network. Any other
     * source whose address is internal (loopback, private, link-local) is refused with {@code REDIRECT_REFUSED}, so a
     * request cannot point the service at the private side. The target is always allowed.
     */
    Optional<List<String>> privateHosts();

    /**
     * Whether a redirect (to blob storage) or a token realm may lead to an internal address. Off: every origin other
     * than the registry's is refused when the address the connection reached is internal.
     */
    @WithDefault("false")
    boolean allowPrivateRedirects();

    /** PEM files with certificates to trust besides the JVM's trust store (a private registry's CA). */
    Optional<List<String>> trustCertificates();

    /**
     * Bytes per {@code PATCH} of a chunked upload (raised to the target's {@code OCI-Chunk-Min-Length}); each chunk is
     * a buffer of {@code mirror.transfer.memory-budget}, at most two per blob.
     */
    @WithDefault("16M")
    MemorySize chunkSize();

    /** Blobs up to this size are fetched into one buffer, verified, then sent with one {@code PUT}. */
    @WithDefault("8M")
    MemorySize singlePutThreshold();

    /** Blobs (and child manifests) of one image copied at once. */
    @WithDefault("4")
    int blobsInFlight();

    /**
     * Attempts of one whole blob, the first included, when the target lost its upload (cancelled, expired, or its
     * state no longer matching after a failed chunk): it starts again from byte 0 with a new upload.
     */
    @WithDefault("3")
    int blobAttempts();

    /** Largest manifest or index accepted from a source; a larger one fails with {@code MANIFEST_INVALID}. */
    @WithDefault("4M")
    MemorySize maxManifestSize();

    /** Largest {@code index.yaml} of a classic Helm repository accepted (popular ones are tens of MB). */
    @WithDefault("64M")
    MemorySize maxHelmIndexSize();

    /** Largest chart archive ({@code .tgz}) of a classic Helm repository accepted. */
    @WithDefault("32M")
    MemorySize maxChartSize();

    /** Most redirects followed for one request. */
    @WithDefault("5")
    int maxRedirects();

    /** Most HTTP connections open at once per origin (a registry, its blob storage host). */
    @WithDefault("16")
    int maxConnectionsPerHost();

    /** Most requests waiting for a connection to one origin while all are busy. */
    @WithDefault("1000")
    int maxWaitingRequestsPerHost();

    /** Time to establish a TCP/TLS connection. */
    @WithDefault("10s")
    Duration connectTimeout();

    /** Longest silence (no byte either way) while a response is awaited or read. */
    @WithDefault("60s")
    Duration idleTimeout();

    /**
     * The least average rate, in bytes per second either way, over {@link #minRateWindow()}; a slower exchange is
     * ended and retried (a download resumes where it stopped). {@code 0} turns the rule off.
     */
    @WithDefault("32K")
    MemorySize minRate();

    /** The sliding window {@link #minRate()} is measured over. */
    @WithDefault("60s")
    Duration minRateWindow();

    /** How long an unused pooled connection is kept open. */
    @WithDefault("30s")
    Duration connectionIdleTimeout();

    /**
     * Attempts per request (first included) for 429, 5xx and connection failures, per cut download and per failed
     * chunk.
     */
    @WithDefault("6")
    int maxAttempts();

    /** First backoff delay; doubles per attempt, with jitter, up to {@link #maxBackoff()}. */
    @WithDefault("500ms")
    Duration initialBackoff();

    /** Upper bound of one backoff delay, and of a server's {@code Retry-After} that is honoured. */
    @WithDefault("60s")
    Duration maxBackoff();

    /** The random fraction of each backoff step, 0 to 1. */
    @WithDefault("0.5")
    double retryJitter();

    /** The target registry. */
    interface Target {

        /**
         * The target registry: a host ({@code private-registry.example.com}, {@code 10.0.0.5:5000}) or
         * {@code https://host}; {@code http://host} also puts it into {@link RegistryConfig#plainHttp()}.
         */
        Optional<String> url();

        /** The user for the target (basic authentication, or the token service's login). */
        Optional<String> username();

        /** Its password. Never logged. */
        Optional<String> password();
    }

    /** Where a source image goes in the target. */
    interface Mapping {

        /** Leading segments of the source repository path dropped (the source host always is; the last segment stays). */
        @WithDefault("0")
        int dropSegments();

        /** The path put in front of what is left ({@code sie} gives {@code <target>/sie/<name>}); none by default. */
        Optional<String> prefix();

        /** The path under the prefix that charts of classic Helm repositories go to. */
        @WithDefault("charts")
        String classicChartPath();
    }

    /** A user name and password for one registry host. */
    interface Credentials {

        /** The user. */
        String username();

        /** The password. Never logged. */
        String password();
    }
}
