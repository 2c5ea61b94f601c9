package dev.hubmirror.api.cli;

import dev.hubmirror.failure.MirrorException;

/** One-line descriptions of what failed in a command, for standard error. */
final class Failures {

    private Failures() {
    }

    /**
     * The reason and message of a {@link MirrorException}, else the innermost message of the cause chain (bean
     * creation wraps configuration errors, such as an invalid store URL, several times).
     */
    static String describe(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof MirrorException m) {
                return m.reason() + ": " + m.getMessage();
            }
        }
        Throwable innermost = t;
        while (innermost.getCause() != null && innermost.getCause() != innermost) {
            innermost = innermost.getCause();
        }
        String message = innermost.getMessage();
        return message == null || message.isBlank() ? innermost.getClass().getName() : message;
    }
}
