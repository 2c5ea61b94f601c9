package dev.hubmirror.store.s3;

import static dev.hubmirror.log.LogKeys.ENDPOINT;
import static dev.hubmirror.log.LogKeys.PROXY;

import dev.hubmirror.config.StoreConfig;
import dev.hubmirror.http.HttpOrigin;
import dev.hubmirror.http.ProxySettings;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.ProxyConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.InstanceProfileRegionProvider;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;

/** The S3 client an {@link S3ObjectStore} builds from {@code mirror.store.s3.*}: endpoint, region, proxy, no retries. */
public final class S3Clients {

    private static final Logger LOGGER = Logger.getLogger(S3Clients.class);

    private S3Clients() {
    }

    /**
     * Builds the S3 client for a configuration: the endpoint override when set (then path-style addressing unless
     * configured otherwise), the configured region or the SDK's region chain (else {@code us-east-1}), the SDK's
     * default credentials chain (env, system properties, profile, web identity, container, instance), checksums
     * only where S3 requires them (S3-compatible servers often reject the newer default ones), no SDK retries (the
     * store retries itself), and at most {@code maxConnections} concurrent connections. Building may block briefly
     * (profile files; the instance metadata service when no region is configured on AWS): do it at startup, not on
     * an event loop.
     */
    public static S3AsyncClient build(StoreConfig.S3 config) {
        return build(config, ProxySettings.NONE);
    }

    /**
     * {@link #build(StoreConfig.S3)} through the forward proxy that {@code proxy} names for the store's endpoint
     * ({@code mirror.proxy.*}, {@code HTTPS_PROXY}/{@code HTTP_PROXY}; none when the endpoint is in {@code NO_PROXY}).
     * The SDK's own reading of proxy system properties and environment variables is off, so the service's rules are
     * the only ones.
     */
    public static S3AsyncClient build(StoreConfig.S3 config, ProxySettings proxy) {
        Optional<String> endpoint = config.endpoint().map(String::trim).filter(e -> !e.isEmpty());
        Region region = region(config, endpoint.isPresent());
        URI target = endpoint.map(URI::create).orElseGet(() -> URI.create("https://s3." + region.id() + ".amazonaws.com"));
        NettyNioAsyncHttpClient.Builder http = NettyNioAsyncHttpClient.builder()
                .maxConcurrency(config.maxConnections())
                .connectionAcquisitionTimeout(Duration.ofMinutes(1));
        Optional<ProxySettings.Proxy> via = proxy.forTarget(HttpOrigin.of(target));
        ProxyConfiguration.Builder proxyConfig = ProxyConfiguration.builder().useSystemPropertyValues(false)
                .useEnvironmentVariableValues(false);
        via.ifPresent(p -> {
            proxyConfig.scheme("http").host(p.host()).port(p.port());
            p.username().ifPresent(proxyConfig::username);
            p.password().ifPresent(proxyConfig::password);
            LOGGER.infof("store s3" + ENDPOINT + PROXY + ":%d", target.getHost(), p.host(), p.port());
        });
        http.proxyConfiguration(proxyConfig.build());
        S3AsyncClientBuilder builder = S3AsyncClient.builder()
                .httpClientBuilder(http)
                .region(region)
                .forcePathStyle(config.pathStyle().orElse(endpoint.isPresent()))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
        if (endpoint.isPresent()) {
            builder.endpointOverride(URI.create(endpoint.get()));
        } else {
            // on AWS, follow a bucket that lives in another region than the configured one
            builder.crossRegionAccessEnabled(true);
        }
        return builder.build();
    }

    private static Region region(StoreConfig.S3 config, boolean endpointOverride) {
        Optional<String> configured = config.region().map(String::trim).filter(r -> !r.isEmpty());
        if (configured.isPresent()) {
            return Region.of(configured.get());
        }
        List<AwsRegionProvider> providers = new ArrayList<>(
                List.of(new SystemSettingsRegionProvider(), new AwsProfileRegionProvider()));
        if (!endpointOverride) {
            // the instance metadata service only knows AWS regions; skip it for S3-compatible servers
            providers.add(new InstanceProfileRegionProvider());
        }
        try {
            return new AwsRegionProviderChain(providers.toArray(AwsRegionProvider[]::new)).getRegion();
        } catch (RuntimeException e) {
            return Region.US_EAST_1;
        }
    }}
