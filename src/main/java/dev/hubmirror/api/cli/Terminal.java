package dev.hubmirror.api.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The process's standard output and error as UTF-8 writers, and whether standard output is a terminal. Commands
 * write their results only through these (logs go to standard error in {@code mirror} and {@code verify}).
 */
final class Terminal {

    private static final PrintWriter OUT = new PrintWriter(new FileOutputStream(FileDescriptor.out), true,
            StandardCharsets.UTF_8);
    private static final PrintWriter ERR = new PrintWriter(new FileOutputStream(FileDescriptor.err), true,
            StandardCharsets.UTF_8);

    private Terminal() {
    }

    static PrintWriter stdout() {
        return OUT;
    }

    static PrintWriter stderr() {
        return ERR;
    }

    /**
     * Whether standard output is an interactive terminal that can redraw a line: the JVM has a console (standard input
     * and output are terminals) and {@code TERM} is not {@code dumb}.
     */
    static boolean interactive() {
        String term = System.getenv("TERM");
        return System.console() != null && (term == null || !term.toLowerCase(Locale.ROOT).equals("dumb"));
    }
}
