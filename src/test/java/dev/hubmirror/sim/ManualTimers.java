package dev.hubmirror.sim;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Timers for tests: a scheduled task waits until the test releases it, and its due time is kept on a fake clock
 * (releasing a task moves the clock to its due time). Lets tests check what the simulator delays, in which order,
 * without measuring time.
 */
final class ManualTimers implements SimTimers {

    /** A scheduled task: its delay, its due time on the fake clock, and the event loop it must run on. */
    record Task(long delayMillis, long dueNanos, Context context, Runnable task) {
    }

    private final AtomicLong clock;
    private final List<Task> pending = new ArrayList<>();
    private final List<Long> scheduledDelays = new ArrayList<>();

    ManualTimers(AtomicLong clock) {
        this.clock = clock;
    }

    @Override
    public synchronized void schedule(long delayMillis, Runnable task) {
        Context context = Vertx.currentContext();
        if (context == null || !Context.isOnEventLoopThread()) {
            throw new IllegalStateException("a simulator timer must be set on an event loop");
        }
        pending.add(new Task(delayMillis, clock.get() + TimeUnit.MILLISECONDS.toNanos(delayMillis), context, task));
        scheduledDelays.add(delayMillis);
    }

    synchronized int pending() {
        return pending.size();
    }

    /** The delay of every task scheduled so far, in order. */
    synchronized List<Long> scheduledDelays() {
        return List.copyOf(scheduledDelays);
    }

    /** Moves the clock to the earliest task's due time and runs it on its event loop. */
    synchronized Task releaseEarliest() {
        Task next = pending.stream().min(Comparator.comparingLong(Task::dueNanos))
                .orElseThrow(() -> new IllegalStateException("no timer pending"));
        pending.remove(next);
        clock.accumulateAndGet(next.dueNanos(), Math::max);
        next.context().runOnContext(v -> next.task().run());
        return next;
    }
}
