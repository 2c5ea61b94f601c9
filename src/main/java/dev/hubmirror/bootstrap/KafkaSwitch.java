package dev.hubmirror.bootstrap;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * The default of {@code mirror.kafka.enabled}: on when {@code kafka.bootstrap.servers} (env
 * {@code KAFKA_BOOTSTRAP_SERVERS}) is set, off otherwise. Any explicit value (env {@code MIRROR_KAFKA_ENABLED},
 * application.properties, a system property) wins: this source has the lowest ordinal. The Kafka channels and
 * clients follow {@code mirror.kafka.enabled}, so with it off nothing tries to reach a broker.
 */
public class KafkaSwitch implements ConfigSourceFactory {

    static final String ENABLED = "mirror.kafka.enabled";
    static final String SERVERS = "kafka.bootstrap.servers";
    private static final int ORDINAL = 10;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue servers = context.getValue(SERVERS);
        boolean set = servers != null && servers.getValue() != null && !servers.getValue().isBlank();
        return List.of(new PropertiesConfigSource(Map.of(ENABLED, Boolean.toString(set)), "hub-mirror kafka switch",
                ORDINAL));
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(ORDINAL);
    }
}
