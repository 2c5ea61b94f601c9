package dev.hubmirror.api.cli;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The mirrors a command runs right now. When the process is asked to stop (Ctrl-C, SIGTERM), Quarkus shuts down and
 * they are cancelled, which makes the engine abort their in-flight uploads: nothing unverified becomes visible, and
 * the next run starts by aborting whatever the stop left open.
 */
@Singleton
public class RunningCommands {

    private final Set<CompletableFuture<?>> running = ConcurrentHashMap.newKeySet();

    void add(CompletableFuture<?> run) {
        running.add(run);
    }

    void remove(CompletableFuture<?> run) {
        running.remove(run);
    }

    void onStop(@Observes ShutdownEvent event) {
        running.forEach(run -> run.cancel(false));
    }
}
