package dev.hubmirror.bootstrap;

import io.quarkus.logging.LoggingFilter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The service's log filter ({@code quarkus.log.console.filter=hub-mirror}, also set for the file handler):
 *
 * <ul>
 * <li>Repeats of the Kafka clients' lines ({@code org.apache.kafka.*}, SmallRye's Kafka connector) are written once
 * per {@code mirror.kafka.log-interval}: with a broker away or a topic missing, every client of the service retries
 * several times a second and would write a line each time. Lines count as repeats when they differ only in numbers
 * (correlation ids, node ids, ports) and in the client named in their {@code [Producer clientId=...]} prefix. The
 * service's own Kafka checks log each change of state once ({@code kafka not ready ... error=...}).</li>
 * <li>With Kafka off, every Kafka channel is disabled on purpose, and SmallRye Reactive Messaging's startup warning
 * that the consumers and emitters of those channels are not connected (SRMSG00207) says nothing useful: it is
 * dropped. With Kafka on, the warning, if it ever appears, is kept.</li>
 * </ul>
 */
@LoggingFilter(name = "hub-mirror")
public final class ServiceLogFilter implements Filter {

    /** Distinct lines remembered at most; beyond, the memory is cleared (repeats then pass once more). */
    static final int MAX_REMEMBERED = 1000;
    private static final Pattern CLIENT_PREFIX = Pattern.compile("^\\[[^\\]]{0,300}\\]\\s*");
    private static final Pattern NUMBERS = Pattern.compile("\\d+");

    private final boolean kafkaOff;
    private final long intervalNanos;
    /** Normalised line -> when it was last written. */
    private final Map<String, Written> written = new ConcurrentHashMap<>();

    /**
     * When a line was last written ({@link System#nanoTime()}) and that record's sequence number: one filter instance
     * serves every handler (console, file), and each must see the same answer for the same record.
     */
    private record Written(long at, long sequence) {
    }

    public ServiceLogFilter(@ConfigProperty(name = "mirror.kafka.enabled", defaultValue = "false") boolean enabled,
            @ConfigProperty(name = "mirror.kafka.log-interval", defaultValue = "30s") Duration interval) {
        this.kafkaOff = !enabled;
        this.intervalNanos = Math.max(0, interval.toNanos());
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        String message = record.getMessage();
        if (message == null) {
            return true;
        }
        if (kafkaOff && message.startsWith("SRMSG00207")) {
            return false;
        }
        String logger = record.getLoggerName();
        if (intervalNanos == 0 || logger == null || !(logger.startsWith("org.apache.kafka.")
                || logger.startsWith("io.smallrye.reactive.messaging.kafka"))) {
            return true;
        }
        String key = logger + '|' + NUMBERS.matcher(CLIENT_PREFIX.matcher(message).replaceFirst("")).replaceAll("#");
        if (written.size() >= MAX_REMEMBERED && !written.containsKey(key)) {
            written.clear();
        }
        long now = System.nanoTime();
        long sequence = record.getSequenceNumber();
        boolean[] pass = new boolean[1];
        written.compute(key, (k, last) -> {
            if (last != null && last.sequence() == sequence) {
                pass[0] = true;
                return last;
            }
            pass[0] = last == null || now - last.at() >= intervalNanos;
            return pass[0] ? new Written(now, sequence) : last;
        });
        return pass[0];
    }
}
