package dev.hubmirror.api.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.function.LongSupplier;

/**
 * Shows one running mirror on standard output. On a terminal, one status line redrawn in place (files, bytes, percent,
 * rate, ETA) with a line per finished file printed above it; otherwise plain lines: one per finished file and a status
 * line every {@link #PLAIN_STATUS_EVERY}. {@link #tick()} is called by the command's display thread.
 *
 * <p>The rate is measured over the last {@link #RATE_WINDOW} of samples (one per tick, so at most
 * {@code RATE_WINDOW / tick period + 1} samples are kept); the ETA is the bytes still to fetch at that rate.
 */
final class ProgressDisplay {

    /** How the display writes. */
    enum Mode {
        /** A status line redrawn in place. */
        TERMINAL,
        /** Lines only, for logs and pipes. */
        PLAIN
    }

    /** How often the terminal status line is redrawn. */
    static final Duration TERMINAL_TICK = Duration.ofMillis(250);
    /** How often finished files are printed in plain mode. */
    static final Duration PLAIN_TICK = Duration.ofSeconds(1);
    /** How often a plain status line is printed. */
    static final Duration PLAIN_STATUS_EVERY = Duration.ofSeconds(10);
    /** The span the rate is measured over. */
    static final Duration RATE_WINDOW = Duration.ofSeconds(10);

    private record Sample(long nanos, long bytes) {
    }

    private final PrintWriter out;
    private final Mode mode;
    private final LongSupplier nanoClock;
    private final String label;
    private final MirrorTally tally;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();
    private final long startNanos;
    private long lastPlainStatus;
    private boolean statusShown;

    ProgressDisplay(PrintWriter out, Mode mode, LongSupplier nanoClock, String label, MirrorTally tally) {
        this.out = out;
        this.mode = mode;
        this.nanoClock = nanoClock;
        this.label = label;
        this.tally = tally;
        this.startNanos = nanoClock.getAsLong();
        this.lastPlainStatus = startNanos;
    }

    /** The display thread's period for this mode. */
    Duration period() {
        return mode == Mode.TERMINAL ? TERMINAL_TICK : PLAIN_TICK;
    }

    /** Prints what finished since the last tick and, when due, the status. */
    synchronized void tick() {
        long now = nanoClock.getAsLong();
        MirrorTally.Counts counts = tally.counts();
        sample(now, counts.bytesDownloaded());
        boolean dueInPlain = now - lastPlainStatus >= PLAIN_STATUS_EVERY.toNanos();
        for (MirrorTally.FileLine line : tally.drainFinished()) {
            clearStatus();
            out.println(fileLine(line));
        }
        if (!counts.planned()) {
            return;
        }
        if (mode == Mode.TERMINAL) {
            out.print("\r" + status(counts, rate(), now - startNanos) + "\u001b[K");
            out.flush();
            statusShown = true;
        } else if (dueInPlain) {
            out.println("  progress " + status(counts, rate(), now - startNanos));
            lastPlainStatus = now;
        }
    }

    /** Prints the last finished files and removes the status line (the command prints the outcome next). */
    synchronized void finish() {
        for (MirrorTally.FileLine line : tally.drainFinished()) {
            clearStatus();
            out.println(fileLine(line));
        }
        clearStatus();
        out.flush();
    }

    private void clearStatus() {
        if (statusShown) {
            out.print("\r\u001b[K");
            statusShown = false;
        }
    }

    private void sample(long now, long bytes) {
        samples.addLast(new Sample(now, bytes));
        while (samples.size() > 2 && now - samples.peekFirst().nanos() > RATE_WINDOW.toNanos()) {
            samples.removeFirst();
        }
    }

    /** Bytes per second over the window; empty until two samples a measurable time apart exist. */
    private OptionalDouble rate() {
        if (samples.size() < 2) {
            return OptionalDouble.empty();
        }
        Sample first = samples.peekFirst();
        Sample last = samples.peekLast();
        long nanos = last.nanos() - first.nanos();
        if (nanos <= 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of((last.bytes() - first.bytes()) * 1e9 / nanos);
    }

    /** {@code 3/12 files  1.1 GiB/2.2 GiB  50%  110.0 MiB/s  ETA 0:10  elapsed 0:21}. */
    String status(MirrorTally.Counts c, OptionalDouble rate, long elapsedNanos) {
        StringBuilder s = new StringBuilder(label).append("  ");
        s.append(c.filesDone()).append('/').append(c.files()).append(" files  ");
        s.append(Human.bytes(c.bytesDone())).append('/').append(Human.bytes(c.bytes()));
        if (c.bytes() > 0) {
            s.append(String.format(Locale.ROOT, "  %d%%", Math.min(100, c.bytesDone() * 100 / c.bytes())));
        }
        long remaining = Math.max(0, c.bytes() - c.bytesDone());
        if (rate.isPresent()) {
            s.append("  ").append(Human.rate(rate.getAsDouble()));
            if (remaining == 0) {
                s.append("  ETA 0:00");
            } else if (rate.getAsDouble() > 0) {
                s.append("  ETA ").append(Human.duration(Duration.ofSeconds((long) Math.ceil(remaining
                        / rate.getAsDouble()))));
            } else {
                s.append("  ETA --:--");
            }
        }
        s.append("  elapsed ").append(Human.duration(Duration.ofNanos(elapsedNanos)));
        return s.toString();
    }

    private static String fileLine(MirrorTally.FileLine line) {
        return line.skipped()
                ? "  = " + line.path() + " (" + Human.bytes(line.size()) + ", already verified in the store)"
                : "  + " + line.path() + " (" + Human.bytes(line.size()) + ")";
    }
}
