package dev.hubmirror.registry;

import dev.hubmirror.failure.RetrySettings;
import dev.hubmirror.http.HttpSettings;
import java.net.URI;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How the registry client connects, retries and moves blobs ({@code mirror.registry.*}).
 *
 * @param http                  connections, timeouts, the watchdog, TLS trust, the forward proxy
 * @param retries               retries of one request (429 with {@code Retry-After}, 5xx, connection failures), a cut
 *                              blob download resumed, a failed chunk resent
 * @param blobAttempts          attempts of a whole blob (the first included) when its upload is lost and must start
 *                              again from byte 0 (a target that cancelled the upload)
 * @param chunkSize             bytes per {@code PATCH} of a chunked upload (raised to the target's
 *                              {@code OCI-Chunk-Min-Length}); each chunk is a buffer of the memory budget
 * @param singlePutThreshold    blobs up to this size are fetched whole into one buffer, verified, then sent with one
 *                              {@code PUT}
 * @param blobsInFlight         blobs of one image copied at once
 * @param maxManifestBytes      largest manifest (or index) accepted from a source
 * @param maxRedirects          most redirects followed for one request
 * @param allowPrivateRedirects whether a redirect (or a token realm) may lead to an internal address
 * @param plainHttpHosts        registries (host or host:port) reached over plain http instead of https
 * @param privateHosts          sources (registries, Helm repositories; host or host:port) that may be on the private
 *                              network: their own address is not refused as internal (the target always may be)
 * @param maxHelmIndexBytes     largest {@code index.yaml} of a classic Helm repository accepted
 * @param maxChartBytes         largest chart archive ({@code .tgz}) of a classic Helm repository accepted
 */
public record RegistrySettings(HttpSettings http, RetrySettings retries, int blobAttempts, long chunkSize,
        long singlePutThreshold, int blobsInFlight, int maxManifestBytes, int maxRedirects,
        boolean allowPrivateRedirects, Set<String> plainHttpHosts, Set<String> privateHosts, long maxHelmIndexBytes,
        long maxChartBytes) {

    /** The smallest chunk of a chunked upload. */
    public static final long MIN_CHUNK = 1024 * 1024;

    /**
     * Validates the values.
     *
     * @throws IllegalArgumentException naming the key that is wrong
     */
    public RegistrySettings {
        if (blobAttempts < 1) {
            throw new IllegalArgumentException("mirror.registry.blob-attempts must be at least 1, got " + blobAttempts);
        }
        if (chunkSize < MIN_CHUNK) {
            throw new IllegalArgumentException("mirror.registry.chunk-size must be at least 1M, got " + chunkSize);
        }
        if (singlePutThreshold < 0) {
            throw new IllegalArgumentException("mirror.registry.single-put-threshold cannot be negative");
        }
        if (blobsInFlight < 1) {
            throw new IllegalArgumentException("mirror.registry.blobs-in-flight must be at least 1, got "
                    + blobsInFlight);
        }
        if (maxManifestBytes < 1024) {
            throw new IllegalArgumentException("mirror.registry.max-manifest-size must be at least 1K, got "
                    + maxManifestBytes);
        }
        if (maxHelmIndexBytes < 1024 || maxHelmIndexBytes > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("mirror.registry.max-helm-index-size must be between 1K and 2G, got "
                    + maxHelmIndexBytes);
        }
        if (maxChartBytes < 1024) {
            throw new IllegalArgumentException("mirror.registry.max-chart-size must be at least 1K, got "
                    + maxChartBytes);
        }
        maxRedirects = Math.max(0, maxRedirects);
        plainHttpHosts = hosts(plainHttpHosts);
        privateHosts = hosts(privateHosts);
    }

    private static Set<String> hosts(Set<String> hosts) {
        return hosts == null ? Set.of() : hosts.stream().map(String::trim).filter(h -> !h.isEmpty())
                .map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }

    /**
     * The base URL of {@code registry} (a host as image references name it): {@code https://host}, {@code http://host}
     * for a host of {@link #plainHttpHosts}, and Docker Hub's API host for {@code docker.io}.
     */
    public URI base(String registry) {
        String host = registry.toLowerCase(Locale.ROOT);
        if (host.equals(ImageReference.DOCKER_HUB)) {
            return URI.create("https://registry-1.docker.io");
        }
        return URI.create((plainHttpHosts.contains(host) ? "http://" : "https://") + host);
    }
}
