package dev.hubmirror.sim;

/**
 * A link-rate cap shared by every response of a simulator: a token bucket in its virtual-scheduling form (the
 * GCRA of ATM networks). The link carries {@code bytesPerSecond}; an idle link saves up at most
 * {@code burstBytes} of credit. {@link #reserve} books bytes on the link in call order (first come, first served,
 * so parallel responses share the rate fairly) and says how long the caller must wait until the link has carried
 * them. A pure class: the caller passes the time, so tests drive it with a fake clock.
 */
final class TokenBucket {

    private static final double NANOS_PER_SECOND = 1e9;

    private final long bytesPerSecond;
    private final long burstNanos;
    /** The time (nanoTime scale) at which the link has carried every byte booked so far. */
    private long linkFreeAt;
    private boolean started;

    /**
     * @param bytesPerSecond the link rate, > 0
     * @param burstBytes credit an idle link accumulates (>= 0): that many bytes go out at once after a pause
     */
    TokenBucket(long bytesPerSecond, long burstBytes) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("link rate must be > 0 bytes per second, was " + bytesPerSecond);
        }
        if (burstBytes < 0) {
            throw new IllegalArgumentException("burst must be >= 0 bytes, was " + burstBytes);
        }
        this.bytesPerSecond = bytesPerSecond;
        this.burstNanos = nanosFor(burstBytes);
    }

    long bytesPerSecond() {
        return bytesPerSecond;
    }

    /**
     * Books {@code bytes} on the link at time {@code nowNanos} (a {@link System#nanoTime()} reading) and returns
     * the nanoseconds until the link has carried them: 0 means send now. The caller must then send exactly these
     * bytes after that delay; the booking is not taken back.
     */
    synchronized long reserve(long bytes, long nowNanos) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must be >= 0, was " + bytes);
        }
        long earliest = nowNanos - burstNanos;
        if (!started || linkFreeAt - earliest < 0) {
            // an idle link: at most burstNanos of saved-up credit
            linkFreeAt = earliest;
            started = true;
        }
        linkFreeAt += nanosFor(bytes);
        return Math.max(0, linkFreeAt - nowNanos);
    }

    private long nanosFor(long bytes) {
        return (long) Math.ceil(bytes * NANOS_PER_SECOND / bytesPerSecond);
    }
}
