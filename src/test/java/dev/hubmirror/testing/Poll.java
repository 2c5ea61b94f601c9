package dev.hubmirror.testing;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/** Polling for tests that watch other processes (packaged replicas, brokers): no timing assertion, only a guard. */
public final class Poll {

    private static final long INTERVAL_MILLIS = 100;

    private Poll() {
    }

    /**
     * Polls {@code probe} every 100 ms until it yields a value and returns it; after {@code limit} fails with an
     * {@link AssertionError} naming {@code what}, followed by {@code diagnostics} (e.g. the processes' log tails).
     */
    public static <T> T until(Supplier<Optional<T>> probe, Duration limit, String what, Supplier<String> diagnostics) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<T> value = probe.get();
            if (value.isPresent()) {
                return value.get();
            }
            try {
                Thread.sleep(INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
        throw new AssertionError("no " + what + " within " + limit + diagnostics.get());
    }
}
