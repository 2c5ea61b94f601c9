package dev.hubmirror.sim;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * Serves the content of a file (CDN and resolve-cache): Range / 206 / 416, HEAD, the 50 GB range-only rule and
 * the content faults. The body is generated in {@value #CHUNK}-byte chunks on the event loop; generation pauses
 * while the connection's write queue is full and resumes from its drain handler, so memory per response is one
 * chunk in flight plus Netty's queue, whatever the file size. Under a link cap ({@link SimNetwork}) chunks are
 * {@value SimNetwork#PACED_CHUNK} bytes, each booked on the shared link before it is generated, and a chunk the
 * link carries only later is generated and written from a timer.
 */
final class ContentWriter {

    /** Bytes generated and written per step. */
    static final int CHUNK = 256 * 1024;

    /** Files over this size (50 GB, decimal) are only served with a Range header, like the Hub's CDN. */
    static final long RANGE_ONLY_ABOVE = 50L * 1000 * 1000 * 1000;

    private ContentWriter() {
    }

    /**
     * Answers a GET or HEAD for {@code file}; the caller already put the listener's own headers (ETag,
     * X-Repo-Commit...).
     *
     * @param cdn whether this is the CDN listener (error bodies are XML there, text on the Hub)
     */
    static void serve(Exchange ex, SimFile file, Faults faults, boolean cdn) {
        long servedSize = Math.max(0, file.size() + faults.sizeDelta(file.path()));
        HttpServerResponse r = ex.response;
        ByteRange range = ByteRange.parse(ex.request.getHeader("Range"), servedSize);
        if (range.kind() == ByteRange.Kind.FULL && file.size() > RANGE_ONLY_ABOVE && !ex.isHead()) {
            ex.text(400, "text/html; charset=utf-8", "<html><body><h1>400 Bad Request</h1>"
                    + "Files over 50 GB are only served with Range requests.</body></html>");
            return;
        }
        r.putHeader("Accept-Ranges", "bytes");
        if (range.kind() == ByteRange.Kind.UNSATISFIABLE) {
            r.putHeader("Content-Range", "bytes */" + servedSize);
            if (cdn) {
                ex.text(416, "application/xml", CdnListener.xmlError("InvalidRange",
                        "The requested range is not satisfiable"));
            } else {
                ex.text(416, "text/plain; charset=utf-8", "Range Not Satisfiable");
            }
            return;
        }
        long start = 0;
        long length = servedSize;
        if (range.kind() == ByteRange.Kind.PARTIAL) {
            start = range.start();
            length = range.length();
            r.setStatusCode(206);
            r.putHeader("Content-Range", "bytes " + range.start() + "-" + range.end() + "/" + servedSize);
        } else {
            r.setStatusCode(200);
        }
        r.putHeader("Content-Length", String.valueOf(length));
        if (ex.isHead()) {
            r.end();
            return;
        }
        long cut = faults.takeCut(file.path());
        new Pump(ex, file.source(), start, length, faults.corruptOffsets(file.path()), cut).start();
    }

    /** Writes one body with back-pressure. Runs on the connection's event loop only. */
    private static final class Pump {
        private final Exchange ex;
        private final SimContent content;
        private final long[] corrupt;
        private long position;
        private long remaining;
        private long cutLeft;
        private boolean closed;
        /** Bytes booked on the capped link and not written yet (0: none). */
        private int booked;
        /** Whether a link timer is pending: the pump resumes from it, not from a drain. */
        private boolean linkWait;
        /** Whether the write loop is running (a drain handler may be called from inside {@code write}). */
        private boolean running;

        Pump(Exchange ex, SimContent content, long start, long length, long[] corrupt, long cut) {
            this.ex = ex;
            this.content = content;
            this.position = start;
            this.remaining = length;
            this.corrupt = corrupt;
            this.cutLeft = cut;
        }

        void start() {
            HttpServerResponse r = ex.response;
            r.closeHandler(v -> closed = true);
            r.exceptionHandler(e -> closed = true);
            if (cutLeft == 0 && remaining > 0) {
                r.writeHead().onComplete(ar -> ex.request.connection().close());
                return;
            }
            pump();
        }

        private void pump() {
            if (linkWait || running) {
                // a drain that fires inside write() (Netty flushed synchronously): the running loop goes on anyway
                return;
            }
            running = true;
            try {
                writeChunks();
            } finally {
                running = false;
            }
        }

        private void writeChunks() {
            HttpServerResponse r = ex.response;
            while (!closed && remaining > 0) {
                if (r.writeQueueFull()) {
                    r.drainHandler(v -> pump());
                    return;
                }
                int n = booked;
                if (n == 0) {
                    n = (int) Math.min(ex.network.chunkSize(CHUNK), remaining);
                    if (cutLeft >= 0) {
                        n = (int) Math.min(n, cutLeft);
                    }
                    long wait = ex.network.bodyDelayMillis(n);
                    if (wait > 0) {
                        // the link carries these bytes only later: write them from a timer, not by waiting here
                        booked = n;
                        linkWait = true;
                        ex.network.schedule(wait, () -> {
                            linkWait = false;
                            pump();
                        });
                        return;
                    }
                }
                booked = 0;
                byte[] chunk = new byte[n];
                content.copyRange(position, chunk, 0, n);
                invertCorrupted(chunk, position);
                position += n;
                remaining -= n;
                ex.countBody(n);
                if (cutLeft >= 0) {
                    cutLeft -= n;
                    if (cutLeft == 0 && remaining > 0) {
                        r.write(Buffer.buffer(chunk)).onComplete(ar -> ex.request.connection().close());
                        return;
                    }
                }
                r.write(Buffer.buffer(chunk));
            }
            if (!closed) {
                r.end();
            }
        }

        private void invertCorrupted(byte[] chunk, long chunkStart) {
            for (long offset : corrupt) {
                if (offset >= chunkStart && offset < chunkStart + chunk.length) {
                    int i = (int) (offset - chunkStart);
                    chunk[i] = (byte) ~chunk[i];
                }
            }
        }
    }
}
