package dev.hubmirror.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hubmirror.failure.Secrets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.junit.jupiter.api.Test;

/** The log filter on a record as JBoss LogManager hands it to a handler, printed by a real pattern formatter. */
class SecretLogFilterTest {

    private static final String TOKEN = "hf_log_filter_secret_0123456789";
    private static final String KEY = "api-key-log-filter-0123456789";

    private final SecretLogFilter filter = new SecretLogFilter(Secrets.of(List.of(TOKEN, KEY)),
            new ServiceLogFilter(false, Duration.ofSeconds(30)));
    private final PatternFormatter formatter = new PatternFormatter("%s%n%e");

    private static ExtLogRecord record(String format, Object... parameters) {
        ExtLogRecord record = new ExtLogRecord(Level.WARNING, format, ExtLogRecord.FormatStyle.PRINTF,
                SecretLogFilterTest.class.getName());
        record.setParameters(parameters);
        return record;
    }

    @Test
    void aSecretInAParameterIsRedactedFromTheFormattedMessage() {
        // Given: a record whose parameter (a Hub path) holds the token
        ExtLogRecord record = record("file failed repo=%s path=%s", "org/m", "w-" + TOKEN + "/x.bin");

        // When
        boolean loggable = filter.isLoggable(record);

        // Then
        assertThat(loggable).isTrue();
        assertThat(formatter.format(record)).startsWith("file failed repo=org/m path=w-<redacted>/x.bin")
                .doesNotContain(TOKEN);
    }

    @Test
    void secretsInTheExceptionChainAreRedactedAndTheStackTraceIsKept() {
        // Given: an exception whose cause and suppressed exception quote the secrets
        IOException cause = new IOException("server said: bad token " + TOKEN);
        UncheckedIOException thrown = new UncheckedIOException("reading 'x/" + KEY + "' failed", cause);
        thrown.addSuppressed(new IllegalStateException("also " + TOKEN));
        ExtLogRecord record = record("request failed error=%s", "STORE_ERROR");
        record.setThrown(thrown);

        // When
        filter.isLoggable(record);
        String printed = formatter.format(record);

        // Then: the chain prints as before (classes, messages, frames), without the secrets
        assertThat(printed).doesNotContain(TOKEN).doesNotContain(KEY)
                .contains("java.io.UncheckedIOException: reading 'x/<redacted>' failed")
                .contains("java.io.IOException: server said: bad token <redacted>")
                .contains("java.lang.IllegalStateException: also <redacted>")
                .contains("secretsInTheExceptionChainAreRedactedAndTheStackTraceIsKept");
        assertThat(record.getThrown().getStackTrace()).isEqualTo(thrown.getStackTrace());
    }

    @Test
    void aRecordWithoutSecretsIsLeftUntouched() {
        // Given
        ExtLogRecord record = record("job succeeded job=%s", "j1");
        IOException thrown = new IOException("disk full");
        record.setThrown(thrown);

        // When
        filter.isLoggable(record);

        // Then
        assertThat(record.getFormatStyle()).isEqualTo(ExtLogRecord.FormatStyle.PRINTF);
        assertThat(record.getParameters()).containsExactly("j1");
        assertThat(record.getThrown()).isSameAs(thrown);
    }

    @Test
    void theKafkaOffFilterStillDropsItsWarning() {
        // Given: Kafka off, and SmallRye's warning about the disabled channels
        ExtLogRecord record = record("SRMSG00207: Some components are not connected to either downstream consumers");

        // When / Then
        assertThat(filter.isLoggable(record)).isFalse();
    }
}
