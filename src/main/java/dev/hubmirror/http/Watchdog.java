package dev.hubmirror.http;

import io.netty.channel.EventLoop;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one timer of an exchange, from the moment its request is written until its response ended: it ends the exchange
 * when no byte arrived for the idle timeout ({@link HttpFailure.Kind#IDLE}), or when fewer bytes than the minimum rate
 * asks for arrived over the last rate window ({@link HttpFailure.Kind#TOO_SLOW}: a body that trickles a byte every few
 * seconds never looks idle, but it cannot keep this rate).
 *
 * <p>It runs on the connection's event loop every {@code tick} (a quarter of the idle timeout or of a quarter of the
 * window, whichever is shorter) and reads one counter the exchange bumps per chunk: no clock read, no atomic and no
 * allocation per chunk. Bounds: an idle exchange ends between {@code idle} and {@code idle + tick} after its last
 * byte; one whose rate fell below the minimum ends at most {@code window + window / 4 + tick} after the fall (the
 * rate is measured over a sliding window in steps of a quarter window).
 *
 * <p>Bytes count in both directions: those received, and those of a request body the socket took (an upload of a
 * large body is progress, not silence). While the reader holds the exchange back ({@link #hold}), nothing is judged:
 * the silence is the client's own, and both rules start afresh when it lets go.
 */
final class Watchdog implements Runnable {

    /** Rate samples per window; the window slides in steps of {@code 1 / STEPS} of it. */
    private static final int STEPS = 4;

    /** What the watchdog ends. */
    interface Target {
        /** Ends the exchange with {@code failure}. */
        void expire(HttpFailure.Kind kind, String message);
    }

    private final Target target;
    private final long idleNanos;
    private final long windowNanos;
    private final long minBytesPerSecond;
    private final long tickNanos;
    private final int ticksPerStep;
    private final long[] sampleBytes = new long[STEPS + 1];
    private final long[] sampleAt = new long[STEPS + 1];
    private int samples;
    private int ticks;
    private long lastSeen = -1;
    private long lastProgressAt;
    private ScheduledFuture<?> task;
    private boolean held;

    /** Head and body bytes received and request body bytes sent so far; the exchange adds to it (on the loop). */
    long received;

    Watchdog(Target target, long idleNanos, long minBytesPerSecond, long windowNanos) {
        this.target = target;
        this.idleNanos = idleNanos;
        this.windowNanos = windowNanos;
        this.minBytesPerSecond = minBytesPerSecond;
        long step = windowNanos / STEPS;
        this.tickNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(idleNanos, step) / 4);
        this.ticksPerStep = (int) Math.max(1, Math.min(Integer.MAX_VALUE, step / tickNanos));
    }

    /** Starts watching now; call on {@code loop}. */
    void start(EventLoop loop) {
        long now = System.nanoTime();
        lastProgressAt = now;
        lastSeen = received;
        sample(now);
        task = loop.scheduleAtFixedRate(this, tickNanos, tickNanos, TimeUnit.NANOSECONDS);
    }

    /** Stops watching; idempotent. */
    void stop() {
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    /**
     * Holds the rules while the reader paused the exchange ({@code true}), or lets go ({@code false}): either way both
     * rules start afresh from now. Call on the exchange's event loop.
     */
    void hold(boolean on) {
        held = on;
        restart(System.nanoTime());
    }

    private void restart(long now) {
        lastSeen = received;
        lastProgressAt = now;
        samples = 0;
        ticks = 0;
        sample(now);
    }

    @Override
    public void run() {
        if (task == null) {
            return;
        }
        long now = System.nanoTime();
        if (held) {
            restart(now);
            return;
        }
        if (received != lastSeen) {
            lastSeen = received;
            lastProgressAt = now;
        } else if (now - lastProgressAt >= idleNanos) {
            stop();
            target.expire(HttpFailure.Kind.IDLE, "no byte for " + TimeUnit.NANOSECONDS.toMillis(idleNanos) + " ms");
            return;
        }
        if (minBytesPerSecond > 0 && ++ticks % ticksPerStep == 0) {
            sample(now);
            if (samples > STEPS) {
                int oldest = samples % (STEPS + 1);
                long elapsed = now - sampleAt[oldest];
                long bytes = received - sampleBytes[oldest];
                double needed = minBytesPerSecond * (elapsed / 1e9);
                if (elapsed >= windowNanos * (STEPS - 1) / STEPS && bytes < needed) {
                    stop();
                    target.expire(HttpFailure.Kind.TOO_SLOW, bytes + " bytes in the last "
                            + TimeUnit.NANOSECONDS.toMillis(elapsed) + " ms, below the minimum of " + minBytesPerSecond
                            + " bytes/s");
                }
            }
        }
    }

    private void sample(long now) {
        int slot = samples % (STEPS + 1);
        sampleBytes[slot] = received;
        sampleAt[slot] = now;
        samples++;
    }
}
