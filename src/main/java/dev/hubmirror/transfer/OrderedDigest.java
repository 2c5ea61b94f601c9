package dev.hubmirror.transfer;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Feeds the parts of one file to its {@link FileDigest} in file order although they arrive in any order: the reorder
 * window. A part that arrives before its predecessors waits here (its buffer stays with it) until every earlier part
 * was hashed. Hashing runs on {@code executor} (a worker pool, never an event loop), one task at a time per file, so the
 * digest sees bytes in order without locking; a part of at most {@code inlineBytes} whose turn it is when it arrives is
 * hashed at once on the calling thread instead (a small file costs a few microseconds, less than a hand-over).
 *
 * <p>Each offered part's callback runs exactly once: with {@code true} after its bytes were hashed, or with
 * {@code false} when the window was {@link #close closed} before they were (a running hash finishes its part first).
 */
final class OrderedDigest {

    /** Told once what became of an offered part. */
    interface Done {

        /** {@code hashed}: the bytes went into the digest; else the window closed first. Must not throw. */
        void done(boolean hashed);
    }

    private record Pending(List<ByteBuffer> views, Done done) {
    }

    private final FileDigest digest;
    private final Executor executor;
    private final long inlineBytes;
    private final TreeMap<Integer, Pending> arrived = new TreeMap<>();
    private int next;
    private boolean hashing;
    private boolean closed;

    OrderedDigest(FileDigest digest, Executor executor, long inlineBytes) {
        this.digest = digest;
        this.executor = executor;
        this.inlineBytes = inlineBytes;
    }

    /** The digest; read it only after every part was reported hashed. */
    FileDigest digest() {
        return digest;
    }

    /** Hands over part {@code index} (0-based) of {@code length} bytes as views of its buffer. */
    void offer(int index, List<ByteBuffer> views, long length, Done done) {
        boolean accepted;
        boolean start = false;
        synchronized (this) {
            accepted = !closed;
            if (accepted) {
                arrived.put(index, new Pending(views, done));
                start = !hashing && index == next;
                hashing |= start;
            }
        }
        if (!accepted) {
            done.done(false);
        } else if (start && length <= inlineBytes) {
            drain();
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
    }

    /** Hashes arrived parts in order until the next one is missing. */
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
            for (ByteBuffer view : p.views()) {
                digest.update(view);
            }
            synchronized (this) {
                next++;
            }
            p.done().done(true);
        }
    }

    /** Drops every part still waiting (telling each); later offers are refused. A running hash finishes its part. */
    void close() {
        List<Pending> dropped;
        synchronized (this) {
            closed = true;
            dropped = new ArrayList<>(arrived.values());
            arrived.clear();
        }
        dropped.forEach(p -> p.done().done(false));
    }
}
