package dev.hubmirror.bootstrap;

import dev.hubmirror.failure.Secrets;
import io.quarkus.logging.LoggingFilter;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import org.jboss.logmanager.ExtLogRecord;

/**
 * The filter of every log handler ({@code quarkus.log.console.filter}, {@code file}, {@code syslog}, {@code socket}):
 * redacts every configured secret ({@link Secrets}) from each record before it is written, whoever logged it (this
 * service, Vert.x, Netty, the AWS SDK, Kafka): the formatted message, and the messages of the record's exception chain.
 * Then applies {@link ServiceLogFilter} (a handler takes one named filter: this one). A record is never dropped for holding a
 * secret; only the secret goes.
 */
@LoggingFilter(name = "redact-secrets")
public final class SecretLogFilter implements Filter {

    private final Secrets secrets;
    private final ServiceLogFilter service;

    public SecretLogFilter(Secrets secrets, ServiceLogFilter service) {
        this.secrets = secrets;
        this.service = service;
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        if (!secrets.isEmpty()) {
            redact(record);
        }
        return service.isLoggable(record);
    }

    /** Rewrites the record in place when its message or its exceptions hold a secret. */
    void redact(LogRecord record) {
        String formatted = formatted(record);
        String redacted = secrets.redact(formatted);
        if (redacted != null && !redacted.equals(formatted)) {
            record.setResourceBundle(null);
            if (record instanceof ExtLogRecord ext) {
                ext.setMessage(redacted, ExtLogRecord.FormatStyle.NO_FORMAT);
            } else {
                record.setMessage(redacted);
            }
            record.setParameters(null);
        }
        Throwable thrown = record.getThrown();
        if (thrown != null && holdsSecret(thrown, new IdentityHashMap<>())) {
            record.setThrown(RedactedException.of(thrown, secrets, Collections.newSetFromMap(new IdentityHashMap<>())));
        }
    }

    /** The message as a handler would print it; the raw message and parameters when formatting fails. */
    private static String formatted(LogRecord record) {
        try {
            if (record instanceof ExtLogRecord ext) {
                return ext.getFormattedMessage();
            }
            return new java.util.logging.SimpleFormatter().formatMessage(record);
        } catch (IllegalArgumentException e) {
            Object[] parameters = record.getParameters();
            return record.getMessage() + (parameters == null ? "" : " " + Arrays.toString(parameters));
        }
    }

    private boolean holdsSecret(Throwable t, Map<Throwable, Boolean> seen) {
        if (t == null || seen.put(t, Boolean.TRUE) != null) {
            return false;
        }
        String text = t.toString();
        if (!text.equals(secrets.redact(text))) {
            return true;
        }
        for (Throwable suppressed : t.getSuppressed()) {
            if (holdsSecret(suppressed, seen)) {
                return true;
            }
        }
        return holdsSecret(t.getCause(), seen);
    }

    /**
     * Stands in for a logged exception whose chain held a secret: prints as the original ({@code <class>: <message>}
     * with the secret redacted) with the original stack trace, cause and suppressed exceptions, each redacted too.
     */
    static final class RedactedException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        private final String shown;

        private RedactedException(String shown, String message, Throwable cause) {
            super(message, cause, true, true);
            this.shown = shown;
        }

        /** The redacted copy of {@code original}'s chain; {@code visited} breaks cycles. */
        static Throwable of(Throwable original, Secrets secrets, Set<Throwable> visited) {
            visited.add(original);
            Throwable cause = original.getCause();
            RedactedException copy = new RedactedException(secrets.redact(original.toString()),
                    secrets.redact(original.getMessage()),
                    cause == null || visited.contains(cause) ? null : of(cause, secrets, visited));
            copy.setStackTrace(original.getStackTrace());
            for (Throwable suppressed : original.getSuppressed()) {
                if (!visited.contains(suppressed)) {
                    copy.addSuppressed(of(suppressed, secrets, visited));
                }
            }
            return copy;
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            // the original's stack trace is set instead
            return this;
        }

        @Override
        public String toString() {
            return shown;
        }
    }
}
