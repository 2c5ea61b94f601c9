package dev.hubmirror.transfer;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Feeds the parts of one file to its {@link FileDigest} in file order although they arrive in any order: the reorder
 * window. A part that arrives before its predecessors waits here (its buffer stays reserved in the
 * {@link MemoryBudget}) until every earlier part was hashed. Hashing runs on {@code executor} (a worker pool, never an
 * event loop), one task at a time per file, so the digest sees bytes in order without locking. Each part's
 * {@code release} runs once its bytes were hashed, or once the window is {@link #close closed} before they were.
 */
final class OrderedDigest {

    private final FileDigest digest;
    private final Executor executor;
    private final TreeMap<Integer, Pending> arrived = new TreeMap<>();
    private int next;
    private boolean hashing;
    private boolean closed;

    OrderedDigest(FileDigest digest, Executor executor) {
        this.digest = digest;
        this.executor = executor;
    }

    /** The digest; read it only after every part's future completed. */
    FileDigest digest() {
        return digest;
    }

    /**
     * Hands over part {@code index} (0-based) with its bytes; the future completes once they were hashed (after every
     * earlier part's), or fails when the window was closed first.
     */
    CompletableFuture<Void> offer(int index, ByteBuffer data, Runnable release) {
        Pending p = new Pending(data.duplicate(), release, new CompletableFuture<>());
        boolean accepted;
        boolean start = false;
        synchronized (this) {
            accepted = !closed;
            if (accepted) {
                arrived.put(index, p);
                start = !hashing && index == next;
                hashing |= start;
            }
        }
        if (!accepted) {
            p.drop();
        } else if (start) {
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException e) {
                synchronized (this) {
                    hashing = false;
                }
                close();
            }
        }
        return p.hashed;
    }

    /** Hashes arrived parts in order until the next one is missing. Runs on the executor. */
    private void drain() {
        while (true) {
            Pending p;
            synchronized (this) {
                p = closed ? null : arrived.remove(next);
                if (p == null) {
                    hashing = false;
                    return;
                }
            }
            try {
                digest.update(p.data);
            } catch (RuntimeException e) {
                p.release.run();
                p.hashed.completeExceptionally(e);
                synchronized (this) {
                    hashing = false;
                }
                close();
                return;
            }
            p.release.run();
            synchronized (this) {
                next++;
            }
            p.hashed.complete(null);
        }
    }

    /** Drops every part still waiting (releasing it); later offers are refused. A running hash finishes its part. */
    void close() {
        List<Pending> dropped;
        synchronized (this) {
            closed = true;
            dropped = new ArrayList<>(arrived.values());
            arrived.clear();
        }
        dropped.forEach(Pending::drop);
    }

    private record Pending(ByteBuffer data, Runnable release, CompletableFuture<Void> hashed) {
        void drop() {
            release.run();
            hashed.completeExceptionally(new CancellationException("the file's transfer ended before this part was "
                    + "hashed"));
        }
    }
}
