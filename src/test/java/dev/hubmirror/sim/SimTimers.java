package dev.hubmirror.sim;

import io.vertx.core.Vertx;

/**
 * Runs a task later on the calling event loop, without blocking it: how the simulator delays answers (latency) and
 * paces bodies (link rate). Called on a listener's event loop; the task runs on that same event loop. Tests inject
 * their own to release tasks in a chosen order with a fake clock.
 */
interface SimTimers {

    /** Runs {@code task} on the calling event loop after {@code delayMillis} (>= 1). */
    void schedule(long delayMillis, Runnable task);

    /** Vert.x timers: a timer set on an event loop fires on that event loop. */
    static SimTimers of(Vertx vertx) {
        return (delayMillis, task) -> vertx.setTimer(delayMillis, id -> task.run());
    }
}
