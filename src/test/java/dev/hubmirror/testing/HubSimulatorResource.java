package dev.hubmirror.testing;

import dev.hubmirror.sim.HubSimulator;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Starts the Hub simulator and a temporary directory store for a Quarkus test, and points the service at them (tiny
 * backoffs, 1 MiB parts so that multipart uploads happen with small files). Tests receive both as a
 * {@link SimulatedHub} field. Use it through {@link SimulatedHubProfile} so that every class on that profile shares
 * one application and one simulator.
 */
public class HubSimulatorResource implements QuarkusTestResourceLifecycleManager {

    private HubSimulator sim;
    private Path storeRoot;

    @Override
    public Map<String, String> start() {
        sim = HubSimulator.start();
        try {
            storeRoot = Files.createTempDirectory("hub-mirror-store-");
        } catch (IOException e) {
            sim.close();
            throw new UncheckedIOException(e);
        }
        Map<String, String> config = new HashMap<>();
        config.put("mirror.hub.endpoint", sim.hubUrl());
        config.put("mirror.hub.redirect-allowlist", "127.0.0.1");
        config.put("mirror.hub.allow-private-redirects", "true");
        config.put("mirror.hub.initial-backoff", "10ms");
        config.put("mirror.hub.max-backoff", "50ms");
        config.put("mirror.hub.idle-timeout", "5s");
        config.put("mirror.store.url", storeRoot.toUri().toString());
        config.put("mirror.transfer.part-size", "1M");
        config.put("mirror.transfer.single-put-threshold", "256K");
        config.put("mirror.transfer.memory-budget", "16M");
        config.put("mirror.jobs.events-interval", "100ms");
        // readiness re-probes the store at most twice a second, so that a test sees a store going DOWN promptly
        config.put("mirror.health.store-check-interval", "500ms");
        return config;
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(new SimulatedHub(sim, storeRoot),
                new TestInjector.MatchesType(SimulatedHub.class));
    }

    @Override
    public void stop() {
        if (sim != null) {
            sim.close();
        }
        if (storeRoot != null) {
            try (Stream<Path> paths = Files.walk(storeRoot)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
