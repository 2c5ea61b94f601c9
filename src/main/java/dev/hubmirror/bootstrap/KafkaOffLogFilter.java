package dev.hubmirror.bootstrap;

import io.quarkus.logging.LoggingFilter;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * With Kafka off, every Kafka channel is disabled on purpose, and SmallRye Reactive Messaging's startup warning that
 * the consumers and emitters of those channels are not connected (SRMSG00207) says nothing useful: drop it. With
 * Kafka on, every channel is connected and the warning, if it ever appears, is kept.
 */
@LoggingFilter(name = "kafka-off")
public final class KafkaOffLogFilter implements Filter {

    private final boolean kafkaOff;

    public KafkaOffLogFilter(@ConfigProperty(name = "mirror.kafka.enabled", defaultValue = "false") boolean enabled) {
        this.kafkaOff = !enabled;
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        String message = record.getMessage();
        return !(kafkaOff && message != null && message.startsWith("SRMSG00207"));
    }
}
