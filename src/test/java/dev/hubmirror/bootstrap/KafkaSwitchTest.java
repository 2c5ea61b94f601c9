package dev.hubmirror.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hubmirror.config.KafkaConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaSwitchTest {

    @Test
    void kafkaIsOffWhenNoBrokerIsConfigured() {
        assertThat(kafka(Map.of()).enabled()).isFalse();
    }

    @Test
    void kafkaIsOnWhenBootstrapServersAreSet() {
        assertThat(kafka(Map.of("kafka.bootstrap.servers", "broker:9092")).enabled()).isTrue();
    }

    @Test
    void anExplicitFlagWinsOverTheBrokerAddress() {
        assertThat(kafka(Map.of("kafka.bootstrap.servers", "broker:9092", "mirror.kafka.enabled", "false")).enabled())
                .isFalse();
        assertThat(kafka(Map.of("mirror.kafka.enabled", "true")).enabled()).isTrue();
    }

    private static KafkaConfig kafka(Map<String, String> values) {
        return new SmallRyeConfigBuilder()
                .withMapping(KafkaConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(values, "test", 250))
                .withSources(new KafkaSwitch())
                .build()
                .getConfigMapping(KafkaConfig.class);
    }
}
