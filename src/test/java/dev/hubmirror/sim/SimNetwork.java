package dev.hubmirror.sim;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The simulated WAN between the client and the simulator: a link-rate cap shared by every response of both
 * listeners (one {@link TokenBucket}) and a fixed latency before every request is answered. Both off by default.
 * Everything here runs on the listeners' event loops and never blocks them: waits are {@link SimTimers} timers.
 */
final class SimNetwork {

    /** Body chunk size while the link is capped: small enough that parallel responses interleave finely. */
    static final int PACED_CHUNK = 64 * 1024;

    /** Credit an idle link saves up: this much time at the link rate (but at least one paced chunk). */
    static final long BURST_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private static final long NANOS_PER_MILLI = TimeUnit.MILLISECONDS.toNanos(1);
    private static final Pattern RATE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(i?)(b?)(?:/s)?");
    private static final Pattern TIME = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s)?");

    private volatile LongSupplier clock = System::nanoTime;
    private volatile SimTimers timers;
    private volatile TokenBucket link;
    private volatile long latencyMillis;

    SimNetwork(SimTimers timers) {
        this.timers = timers;
    }

    /** Sets the link rate (0: no cap) and the per-request latency (zero: none); a new link starts idle. */
    void set(long bytesPerSecond, Duration latency) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("link rate must be >= 0 bytes per second (0: no cap), was "
                    + bytesPerSecond);
        }
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency must be >= 0, was " + latency);
        }
        long millis = latency.toMillis();
        if (millis == 0 && !latency.isZero()) {
            throw new IllegalArgumentException("latency is timed in whole milliseconds, was " + latency);
        }
        link = bytesPerSecond == 0 ? null
                : new TokenBucket(bytesPerSecond, Math.max(PACED_CHUNK, bytesPerSecond * BURST_NANOS / 1_000_000_000L));
        latencyMillis = millis;
    }

    /** For tests: the clock the link is timed with (default {@link System#nanoTime()}). */
    void useClock(LongSupplier nanoClock) {
        this.clock = nanoClock;
    }

    /** For tests: how waits are scheduled (default Vert.x timers). */
    void useTimers(SimTimers scheduler) {
        this.timers = scheduler;
    }

    boolean capped() {
        return link != null;
    }

    long bytesPerSecond() {
        TokenBucket l = link;
        return l == null ? 0 : l.bytesPerSecond();
    }

    long latencyMillis() {
        return latencyMillis;
    }

    /** Runs {@code answer} after the request latency: right away when there is none, else from a timer. */
    void afterLatency(Runnable answer) {
        long millis = latencyMillis;
        if (millis == 0) {
            answer.run();
        } else {
            timers.schedule(millis, answer);
        }
    }

    /**
     * Books {@code bytes} of body on the link and returns the milliseconds to wait before writing them (0: write
     * now; rounded up, so the link never carries more than its rate).
     */
    long bodyDelayMillis(int bytes) {
        TokenBucket l = link;
        if (l == null || bytes == 0) {
            return 0;
        }
        long nanos = l.reserve(bytes, clock.getAsLong());
        return (nanos + NANOS_PER_MILLI - 1) / NANOS_PER_MILLI;
    }

    /** Books {@code bytes} of body on the link and runs {@code write} once the link has carried them. */
    void afterBody(int bytes, Runnable write) {
        long millis = bodyDelayMillis(bytes);
        if (millis == 0) {
            write.run();
        } else {
            timers.schedule(millis, write);
        }
    }

    /** Runs {@code task} on the calling event loop after {@code millis} (>= 1). */
    void schedule(long millis, Runnable task) {
        timers.schedule(millis, task);
    }

    /** The chunk size a response body is generated in: smaller while the link is capped. */
    int chunkSize(int uncapped) {
        return link == null ? uncapped : Math.min(uncapped, PACED_CHUNK);
    }

    /**
     * A link rate in bytes per second: {@code 62914560}, {@code 60MiB}, {@code 60M} (binary, like
     * {@code 60MiB}), {@code 500KiB}, {@code 1GiB}, {@code 100MB} (decimal), with an optional {@code /s}; {@code 0}
     * or {@code off}: no cap.
     */
    static long parseRate(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("off")) {
            return 0;
        }
        Matcher m = RATE.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("link rate '" + text + "' is not a size per second: use e.g. 60MiB, "
                    + "500KiB, 100MB or a number of bytes (0 or off: no cap)");
        }
        String unit = m.group(2);
        boolean decimal = !unit.isEmpty() && m.group(3).isEmpty() && !m.group(4).isEmpty();
        int power = "kmgt".indexOf(unit.isEmpty() ? "-" : unit) + 1;
        double factor = Math.pow(decimal ? 1000 : 1024, power);
        return Math.round(Double.parseDouble(m.group(1)) * factor);
    }

    /** A latency: {@code 40ms}, {@code 0.04s}, {@code 40} (milliseconds); {@code 0} or {@code off}: none. */
    static Duration parseLatency(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("off")) {
            return Duration.ZERO;
        }
        Matcher m = TIME.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("latency '" + text + "' is not a duration: use e.g. 40ms, 0.1s or a "
                    + "number of milliseconds (0 or off: none)");
        }
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        return Duration.ofNanos(Math.round(unit.equals("s") ? v * 1e9 : v * 1e6));
    }
}
