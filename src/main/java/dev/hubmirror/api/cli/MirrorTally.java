package dev.hubmirror.api.cli;

import dev.hubmirror.transfer.MirrorProgress;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one running mirror reported so far, counted from the engine's callbacks (on I/O threads: lock-free, never
 * blocking) and read by the display. The finished files wait in a queue until the display prints them; it holds at
 * most the files of one snapshot ({@code mirror.jobs.max-files-per-job}) and is drained on every display tick.
 */
final class MirrorTally implements MirrorProgress {

    /** A file that became visible in the store. */
    record FileLine(String path, long size, boolean skipped) {
    }

    /** The counters at one instant. */
    record Counts(String commit, int files, long bytes, int filesDone, int filesSkipped, long bytesDownloaded,
            long bytesSkipped) {

        /** Bytes in place: downloaded and verified now, or found verified in the store. */
        long bytesDone() {
            return bytesDownloaded + bytesSkipped;
        }

        boolean planned() {
            return commit != null;
        }
    }

    private volatile String commit;
    private volatile int files;
    private volatile long bytes;
    private final AtomicInteger filesDone = new AtomicInteger();
    private final AtomicInteger filesSkipped = new AtomicInteger();
    private final AtomicLong bytesDownloaded = new AtomicLong();
    private final AtomicLong bytesSkipped = new AtomicLong();
    private final Queue<FileLine> finished = new ConcurrentLinkedQueue<>();

    @Override
    public void planned(String resolvedCommit, int fileCount, long byteCount) {
        this.files = fileCount;
        this.bytes = byteCount;
        this.commit = resolvedCommit;
    }

    @Override
    public void transferred(long n) {
        bytesDownloaded.addAndGet(n);
    }

    @Override
    public void fileDone(String path, long size, boolean skipped) {
        if (skipped) {
            filesSkipped.incrementAndGet();
            bytesSkipped.addAndGet(size);
        }
        filesDone.incrementAndGet();
        finished.add(new FileLine(path, size, skipped));
    }

    /** The counters now. */
    Counts counts() {
        return new Counts(commit, files, bytes, filesDone.get(), filesSkipped.get(), bytesDownloaded.get(),
                bytesSkipped.get());
    }

    /** The files finished since the last call, in the order they finished. */
    List<FileLine> drainFinished() {
        List<FileLine> lines = new ArrayList<>();
        for (FileLine line = finished.poll(); line != null; line = finished.poll()) {
            lines.add(line);
        }
        return lines;
    }
}
