package dev.hubmirror.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The service against the Hub simulator, a directory store and the shared test registries ({@link TestRegistries}):
 * images and charts go to the basic-auth target, mapped with one segment dropped under {@code sie/}; the source and a
 * classic Helm repository ({@link HelmRepositoryServer}) are listed as private sources on plain http. A second
 * directory store is configured as target {@code vault} ({@link #vault}).
 */
public class RegistryProfile implements QuarkusTestProfile {

    /** The Helm repository the profile's service knows; tests publish charts on it. */
    public static HelmRepositoryServer helm;

    /** The directory of target {@code vault} ({@code mirror.targets.vault.url}). */
    public static Path vault;

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(HubSimulatorResource.class), new TestResourceEntry(Registries.class));
    }

    /** Points {@code mirror.registry.*} at the shared registries. */
    public static class Registries implements QuarkusTestResourceLifecycleManager {

        @Override
        public synchronized Map<String, String> start() {
            TestRegistries r = TestRegistries.get();
            if (helm == null) {
                helm = new HelmRepositoryServer(r.vertx);
            }
            if (vault == null) {
                try {
                    vault = Files.createTempDirectory("hub-mirror-vault-");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            String sources = r.source.host() + "," + helm.host();
            return Map.ofEntries(
                    Map.entry("mirror.targets.vault.url", vault.toUri().toString()),
                    Map.entry("mirror.registry.target.url", "http://" + r.basicTarget.host()),
                    Map.entry("mirror.registry.target.username", DistributionRegistry.USER),
                    Map.entry("mirror.registry.target.password", DistributionRegistry.PASSWORD),
                    Map.entry("mirror.registry.mapping.drop-segments", "1"),
                    Map.entry("mirror.registry.mapping.prefix", "sie"),
                    Map.entry("mirror.registry.plain-http", sources),
                    Map.entry("mirror.registry.private-hosts", sources),
                    Map.entry("mirror.registry.chunk-size", "4M"),
                    Map.entry("mirror.registry.single-put-threshold", "1M"),
                    Map.entry("mirror.registry.initial-backoff", "20ms"),
                    Map.entry("mirror.registry.max-backoff", "1s"));
        }

        @Override
        public void stop() {
            // the registries are shared by the JVM and stopped with it
        }
    }
}
