package dev.hubmirror.testing;

import dev.hubmirror.config.HubConfig;
import dev.hubmirror.config.StoreConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Real config mappings (with their real defaults) for tests that run without Quarkus. */
public final class Configs {

    private Configs() {
    }

    /** A Hub config pointing at a simulator, with tiny backoffs so retries do not slow tests down. */
    public static HubConfig hub(String endpoint, String token, Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>();
        values.put("mirror.hub.endpoint", endpoint);
        values.put("mirror.hub.redirect-allowlist", "127.0.0.1");
        // the simulator's CDN listens on loopback, another port than the Hub
        values.put("mirror.hub.allow-private-redirects", "true");
        values.put("mirror.hub.initial-backoff", "10ms");
        values.put("mirror.hub.max-backoff", "50ms");
        values.put("mirror.hub.idle-timeout", "5s");
        if (token != null) {
            values.put("mirror.hub.token", token);
        }
        values.putAll(overrides);
        return build(HubConfig.class, values);
    }

    /** A store config with the given overrides. */
    public static StoreConfig store(Map<String, String> overrides) {
        return build(StoreConfig.class, overrides);
    }

    private static <T> T build(Class<T> type, Map<String, String> values) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(type)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withDefaultValues(values).build();
        return config.getConfigMapping(type);
    }
}
