package dev.hubmirror.hub;

import static dev.hubmirror.log.LogKeys.PATH;
import static dev.hubmirror.log.LogKeys.REPO;
import static dev.hubmirror.log.LogKeys.STATUS;

import dev.hubmirror.http.BodyReader;
import dev.hubmirror.http.ResponseHead;
import dev.hubmirror.memory.PooledBuffer;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.smallrye.mutiny.Uni;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * One {@link HubClient#fetch}: fills a {@link PooledBuffer} with a file's bytes from {@code offset + written()} on, by
 * Range requests, each response chunk copied from the HTTP client's network buffer straight into the buffer's pages
 * (the one copy) through the attempt's own {@link PooledBuffer.Writer}.
 *
 * <ul>
 * <li><b>Checks</b>: a 206 must carry a {@code Content-Range} that starts at the first missing byte, ends within the
 * range asked for and names the listed size; a 200 is accepted only for the whole file; {@code Content-Length} must
 * agree; a body longer than announced fails before its extra bytes are written ({@code SIZE_MISMATCH}).</li>
 * <li><b>Resume</b>: a body that is cut, stalls, trickles below the minimum rate or ends short fails its attempt; the
 * next attempt (after the back-off) asks for what is still missing, with a new writer. The count of consecutive
 * failed attempts restarts only after an attempt that delivered bytes at least at the minimum rate
 * ({@code mirror.hub.min-rate}), so a server that trickles a few bytes per attempt still runs out of attempts.</li>
 * <li><b>Where from</b>: the URL a file's {@code /resolve} ended at is cached per file and token
 * ({@link ResolvedUrls}); a cached URL the CDN refuses (401, 403, 410: expired or revoked) is resolved again, once,
 * for that attempt.</li>
 * <li><b>Cancellation</b> revokes the attempt's writer on the cancelling thread before anything else: a chunk that
 * the event loop is about to copy is refused, so no byte reaches the buffer after the fetch was cancelled. The buffer
 * stays the caller's; it is never released here.</li>
 * </ul>
 */
final class RangeFetch {

    private static final Logger LOGGER = Logger.getLogger(RangeFetch.class);
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d{1,19})-(\\d{1,19})/(\\d{1,19}|\\*)");

    private final HubExchange exchange;
    private final HubRetries retries;
    private final HubFailures failures;
    private final ResolvedUrls urls;
    private final String key;
    private final HubCall call;
    private final HubFile file;
    private final long offset;
    private final PooledBuffer target;
    private final long minBytesPerSecond;
    private volatile PooledBuffer.Writer writer;
    // attempts run one after the other
    private int failedAttempts;
    private long attemptStartWritten;
    private long attemptStartNanos;

    RangeFetch(HubExchange exchange, HubRetries retries, ResolvedUrls urls, String key, HubCall call, HubFile file,
            long offset, PooledBuffer target, long minBytesPerSecond) {
        this.exchange = exchange;
        this.retries = retries;
        this.failures = exchange.failures();
        this.urls = urls;
        this.key = key;
        this.call = call;
        this.file = file;
        this.offset = offset;
        this.target = target;
        this.minBytesPerSecond = minBytesPerSecond;
    }

    Uni<Void> run() {
        return Uni.createFrom().deferred(this::attempt)
                .onFailure().retry().when(errors -> errors.onItem().transformToUniAndConcatenate(this::afterFailure))
                .onTermination().invoke(() -> revoke(writer));
    }

    private Uni<Void> attempt() {
        long written = target.written();
        long remaining = target.capacity() - written;
        if (remaining == 0) {
            return Uni.createFrom().voidItem();
        }
        PooledBuffer.Writer w = target.writer();
        writer = w;
        attemptStartWritten = written;
        attemptStartNanos = System.nanoTime();
        long from = offset + written;
        return open(from, remaining, w)
                .onTermination().invoke(() -> revoke(w))
                .chain(() -> target.written() == target.capacity() ? Uni.createFrom().voidItem()
                        : Uni.createFrom().failure(failures.sizeMismatch(call, "the server sent bytes " + from + "-"
                                + (offset + target.written() - 1) + " of " + from + "-" + (from + remaining - 1)
                                + " asked for", true)));
    }

    /** Revokes {@code w} if it is still the buffer's writer (atomically: writers synchronise on the buffer). */
    private void revoke(PooledBuffer.Writer w) {
        if (w == null) {
            return;
        }
        synchronized (target) {
            if (w.isOpen()) {
                target.revokeWriter();
            }
        }
    }

    private Uni<Boolean> afterFailure(Throwable t) {
        long progressed = target.written() - attemptStartWritten;
        double seconds = (System.nanoTime() - attemptStartNanos) / 1e9;
        if (progressed > 0 && progressed >= minBytesPerSecond * seconds) {
            failedAttempts = 0;
        }
        failedAttempts++;
        return retries.next(call, failures, t, failedAttempts);
    }

    private Uni<Void> open(long from, long remaining, PooledBuffer.Writer w) {
        String range = "bytes=" + from + "-" + (from + remaining - 1);
        return Uni.createFrom().completionStage(() -> urls.lookup(key)).chain(cached -> {
            if (cached.isEmpty()) {
                return resolveAndRead(range, from, remaining, w);
            }
            URI url = cached.get();
            return read(url, range, from, remaining, w)
                    .onFailure(e -> e instanceof HubException h && refusesUrl(h.status())).recoverWithUni(e -> {
                        LOGGER.debugf("hub cached url refused, resolving again" + REPO + PATH + STATUS, call.ref().id(),
                                call.path(), ((HubException) e).status());
                        urls.invalidate(key, url);
                        return Uni.createFrom().completionStage(() -> urls.lookup(key)).chain(again ->
                                again.isPresent() && !again.get().equals(url) ? read(again.get(), range, from,
                                        remaining, w) : resolveAndRead(range, from, remaining, w));
                    });
        });
    }

    /** Whether a download host's answer means the (signed) URL itself is no longer good: expired or revoked. */
    private static boolean refusesUrl(int status) {
        return status == 401 || status == 403 || status == 410;
    }

    /** Resolves the file on the Hub (following its redirects) and reads the range; caches where it ended. */
    private Uni<Void> resolveAndRead(String range, long from, long remaining, PooledBuffer.Writer w) {
        URI resolve = exchange.endpoint().resolveUrl(call.ref(), call.commit(), call.path());
        AtomicBoolean settled = new AtomicBoolean();
        return exchange.get(call, resolve, range, file.size(), head -> {
            BodyReader<Void> reader = accept(head, from, remaining, w);
            if (settled.compareAndSet(false, true)) {
                urls.settle(key, head.url());
            }
            return reader;
        }).replaceWithVoid().onTermination().invoke(() -> {
            if (settled.compareAndSet(false, true)) {
                urls.settle(key, null);
            }
        });
    }

    private Uni<Void> read(URI url, String range, long from, long remaining, PooledBuffer.Writer w) {
        return exchange.get(call, url, range, file.size(), head -> accept(head, from, remaining, w)).replaceWithVoid();
    }

    /** Checks a 2xx answer to a Range request; the reader of its body. */
    private BodyReader<Void> accept(ResponseHead head, long from, long remaining, PooledBuffer.Writer w) {
        int status = head.status();
        String contentLength = head.header(HttpHeaderNames.CONTENT_LENGTH.toString());
        if (status == 200) {
            if (from != 0 || remaining != file.size()) {
                throw failures.protocol(call, HubEndpoint.redacted(head.url()) + " ignored the Range header "
                        + "(HTTP 200 for bytes " + from + "+" + remaining + ")");
            }
            if (contentLength != null && !contentLength.trim().equals(Long.toString(file.size()))) {
                throw failures.sizeMismatch(call, "the server sends " + HubFailures.printable(contentLength)
                        + " bytes, the tree lists " + file.size(), false);
            }
            return new RangeReader(from, remaining, w);
        }
        if (status != 206) {
            throw failures.protocol(call, "unexpected HTTP " + status + " from " + HubEndpoint.redacted(head.url())
                    + " for a Range request");
        }
        String contentRange = head.header("Content-Range");
        Matcher m = contentRange == null ? null : CONTENT_RANGE.matcher(contentRange.trim());
        if (m == null || !m.matches()) {
            throw failures.protocol(call, "HTTP 206 from " + HubEndpoint.redacted(head.url())
                    + " without a valid Content-Range");
        }
        long first = Long.parseLong(m.group(1));
        long last = Long.parseLong(m.group(2));
        long wantedLast = from + remaining - 1;
        if (!m.group(3).equals("*") && Long.parseLong(m.group(3)) != file.size()) {
            throw failures.sizeMismatch(call, "the server holds " + m.group(3) + " bytes, the tree lists "
                    + file.size(), false);
        }
        if (first != from || last < first) {
            throw failures.protocol(call, "asked for bytes " + from + "-" + wantedLast + ", got Content-Range "
                    + HubFailures.printable(contentRange));
        }
        if (last > wantedLast) {
            throw failures.sizeMismatch(call, "asked for bytes " + from + "-" + wantedLast + ", the server "
                    + "sends " + first + "-" + last, false);
        }
        long expected = last - first + 1;
        if (contentLength != null && !contentLength.trim().equals(Long.toString(expected))) {
            throw failures.protocol(call, "Content-Length " + HubFailures.printable(contentLength)
                    + " does not match Content-Range " + HubFailures.printable(contentRange));
        }
        return new RangeReader(from, expected, w);
    }

    /** Copies a range's body into the buffer: the data path, one copy per byte, nothing else per chunk. */
    private final class RangeReader implements BodyReader<Void> {
        private final long from;
        private final long expected;
        private final PooledBuffer.Writer w;
        private long received;

        RangeReader(long from, long expected, PooledBuffer.Writer w) {
            this.from = from;
            this.expected = expected;
            this.w = w;
        }

        @Override
        public boolean onContent(ByteBuf chunk) {
            int n = chunk.readableBytes();
            if (n > expected - received) {
                throw failures.sizeMismatch(call, "the server sent more than the " + expected + " bytes asked for "
                        + "(at offset " + (from + received) + ")", false);
            }
            int copied = copy(chunk, n);
            if (copied < 0) {
                throw new CancellationException("the fetch of " + call.describe() + " was cancelled or superseded: "
                        + "its writer was revoked");
            }
            if (copied != n) {
                throw failures.sizeMismatch(call, "the buffer had room for " + copied + " of " + n + " bytes", false);
            }
            received += n;
            return true;
        }

        private int copy(ByteBuf chunk, int n) {
            if (chunk.nioBufferCount() == 1) {
                return w.write(chunk.internalNioBuffer(chunk.readerIndex(), n));
            }
            int total = 0;
            for (ByteBuffer part : chunk.nioBuffers(chunk.readerIndex(), n)) {
                int c = w.write(part);
                if (c < 0) {
                    return -1;
                }
                total += c;
            }
            return total;
        }

        @Override
        public Void end() {
            if (received < expected) {
                // retriable: resuming asks for the rest; a file that is really shorter ends in HTTP 416
                throw failures.sizeMismatch(call, "the body ended after " + received + " of " + expected + " bytes",
                        true);
            }
            return null;
        }
    }
}
