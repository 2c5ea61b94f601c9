package dev.hubmirror.store;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The named, bounded pool of worker threads that a store with a blocking backend (a filesystem, the GCS client) runs
 * every call on, never an event loop. Calls are lazy and re-subscribable, so callers may {@code retry()} them; each
 * failure is translated at the store's boundary into a {@link StoreException}.
 */
public final class BlockingPool implements AutoCloseable {

    private static final long MAX_EXECUTE_MINUTES = 60;

    private final WorkerExecutor workers;

    /**
     * A share of the Vert.x worker pool {@code name} of at most {@code threads} threads.
     *
     * @param setting the configuration key of {@code threads}, for the message when it is below 1
     */
    public BlockingPool(Vertx vertx, String name, int threads, String setting) {
        if (threads < 1) {
            throw new IllegalArgumentException(setting + " must be at least 1, got " + threads);
        }
        this.workers = vertx.createSharedWorkerExecutor(name, threads, MAX_EXECUTE_MINUTES, TimeUnit.MINUTES);
    }

    /** Runs {@code work} on the pool when subscribed (again at each subscription), failures through {@code translate}. */
    public <T> Uni<T> run(Callable<T> work, Function<Throwable, StoreException> translate) {
        return Uni.createFrom()
                .completionStage(() -> workers.<T>executeBlocking(work, false).toCompletionStage())
                .onFailure().transform(translate);
    }

    /**
     * The bytes of an object in order, one chunk per request (nothing is read ahead of demand), each read on the
     * pool; the stream ends at the first empty chunk.
     */
    public Multi<ByteBuffer> readChunks(ChunkReader reader, Function<Throwable, StoreException> translate) {
        return Multi.createFrom().deferred(() -> {
            long[] position = {0};
            return Multi.createBy().repeating()
                    .uni(() -> run(() -> {
                        ByteBuffer chunk = reader.read(position[0]);
                        position[0] += chunk.remaining();
                        return chunk;
                    }, translate))
                    .until(chunk -> !chunk.hasRemaining());
        });
    }

    /** Releases this store's share of the pool. */
    @Override
    public void close() {
        workers.close();
    }

    /** Reads one chunk of an object (blocking; on the pool). */
    @FunctionalInterface
    public interface ChunkReader {

        /** The bytes from {@code position} on, as many as one chunk holds; an empty buffer at the end. */
        ByteBuffer read(long position) throws IOException;
    }
}
