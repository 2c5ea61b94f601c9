package dev.hubmirror.testing;

import dev.hubmirror.failure.RetrySettings;
import dev.hubmirror.http.HttpSettings;
import dev.hubmirror.http.ProxySettings;
import dev.hubmirror.registry.RegistryCredentials;
import dev.hubmirror.registry.RegistrySettings;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The registries the registry tests share, started once per test JVM (a fraction of a second each) and stopped with
 * it: a source behind token authentication like ghcr.io (anonymous pulls, pushes with {@link DistributionRegistry#USER}),
 * a target behind htpasswd basic authentication, and a target behind its own token service that wants credentials
 * even to pull. Each has a {@link RegistryFront} in front (its public origin, where faults are scripted). Tests use
 * their own repository names, so they never see each other's images.
 */
public final class TestRegistries {

    private static TestRegistries shared;

    public final Vertx vertx;
    public final TokenIssuer sourceTokens;
    public final RegistryFront source;
    public final DistributionRegistry sourceRegistry;
    public final RegistryFront basicTarget;
    public final DistributionRegistry basicTargetRegistry;
    public final TokenIssuer targetTokens;
    public final RegistryFront tokenTarget;
    public final DistributionRegistry tokenTargetRegistry;

    private TestRegistries() {
        vertx = Vertx.vertx();
        sourceTokens = new TokenIssuer("source-registry", 300, true);
        source = RegistryFront.on(vertx, DistributionRegistry.freePort()).tokens(sourceTokens);
        sourceRegistry = DistributionRegistry.withTokenAuth(DistributionRegistry.freePort(), source.realm(),
                sourceTokens);
        source.to(sourceRegistry);
        basicTargetRegistry = DistributionRegistry.withBasicAuth();
        basicTarget = RegistryFront.on(vertx, DistributionRegistry.freePort()).to(basicTargetRegistry);
        targetTokens = new TokenIssuer("target-registry", 300, false);
        tokenTarget = RegistryFront.on(vertx, DistributionRegistry.freePort()).tokens(targetTokens);
        tokenTargetRegistry = DistributionRegistry.withTokenAuth(DistributionRegistry.freePort(), tokenTarget.realm(),
                targetTokens);
        tokenTarget.to(tokenTargetRegistry);
    }

    /** The shared registries, started on first use. */
    public static synchronized TestRegistries get() {
        if (shared == null) {
            shared = new TestRegistries();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::stop, "test-registries-stop"));
        }
        return shared;
    }

    private void stop() {
        sourceRegistry.close();
        basicTargetRegistry.close();
        tokenTargetRegistry.close();
        vertx.close();
    }

    /** Forgets every scripted fault and recorded request. */
    public void reset() {
        source.reset();
        basicTarget.reset();
        tokenTarget.reset();
        sourceTokens.failNext(0, 200, null);
        targetTokens.failNext(0, 200, null);
    }

    /** {@code user:password} for skopeo. */
    public static String creds() {
        return DistributionRegistry.USER + ":" + DistributionRegistry.PASSWORD;
    }

    /** The credentials the service gets: the user for both targets (and the source, to push test images). */
    public RegistryCredentials credentials() {
        RegistryCredentials.Basic user = new RegistryCredentials.Basic(DistributionRegistry.USER,
                DistributionRegistry.PASSWORD);
        return RegistryCredentials.NONE.with(basicTarget.host(), user).with(tokenTarget.host(), user);
    }

    /**
     * Client settings for the tests: plain http to the fronts, the source trusted on loopback, quick retries,
     * {@code chunk} bytes per PATCH and a single-PUT threshold of {@code singlePut}.
     */
    public RegistrySettings settings(long chunk, long singlePut, boolean allowPrivateRedirects) {
        return settings(chunk, singlePut, allowPrivateRedirects, Set.of());
    }

    /** {@link #settings(long, long, boolean)}, with more plain-http, private sources (a Helm repository). */
    public RegistrySettings settings(long chunk, long singlePut, boolean allowPrivateRedirects, Set<String> sources) {
        HttpSettings http = new HttpSettings(8, 256, Duration.ofSeconds(5), Duration.ofSeconds(20), 1024,
                Duration.ofSeconds(20), Duration.ofSeconds(30), "hub-mirror-test", List.of(), ProxySettings.NONE);
        return new RegistrySettings(http, new RetrySettings(4, Duration.ofMillis(50), Duration.ofSeconds(2), 0.5), 3,
                chunk, singlePut, 3, 4 << 20, 5, allowPrivateRedirects, union(sources, source.host(),
                        basicTarget.host(), tokenTarget.host()), union(sources, source.host()), 8 << 20, 8 << 20);
    }

    private static Set<String> union(Set<String> extra, String... hosts) {
        java.util.HashSet<String> all = new java.util.HashSet<>(extra);
        all.addAll(List.of(hosts));
        return all;
    }
}
