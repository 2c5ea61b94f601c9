package dev.hubmirror.http;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Takes a response body chunk by chunk, on the connection's event loop, and makes the exchange's result. Chunks are
 * the HTTP client's own (pooled) network buffers: a reader copies what it needs during {@link #onContent} and keeps
 * no reference, the client releases each chunk as soon as the call returns. Nothing here may block.
 *
 * @param <T> the exchange's result
 */
public interface BodyReader<T> {

    /**
     * Takes one chunk of the body (valid only during this call).
     *
     * @return true to go on; false to stop reading: the exchange then ends with {@link #end()} and the connection is
     *     closed (the rest of the body is not read)
     * @throws RuntimeException to fail the exchange with it; the connection is closed
     */
    boolean onContent(ByteBuf chunk);

    /**
     * The body ended (or this reader stopped it): the exchange's result.
     *
     * @throws RuntimeException to fail the exchange with it; a connection whose body was read to its end is still
     *     reused
     */
    T end();

    /**
     * The exchange's back-pressure handle, given once before the first chunk; a reader that needs to pause keeps it
     * (see {@link ReadFlow}). Ignored by default.
     */
    default void flow(ReadFlow flow) {
    }

    /** This reader with its result transformed by {@code f} (applied in {@link #end()}). */
    default <R> BodyReader<R> map(Function<? super T, ? extends R> f) {
        BodyReader<T> self = this;
        return new BodyReader<>() {
            @Override
            public boolean onContent(ByteBuf chunk) {
                return self.onContent(chunk);
            }

            @Override
            public R end() {
                return f.apply(self.end());
            }

            @Override
            public void flow(ReadFlow flow) {
                self.flow(flow);
            }
        };
    }

    /**
     * Reads and drops a body nobody needs (a redirect's, an error's), so the connection can be reused; a body longer
     * than {@code maxBytes} is not read on: the connection is closed instead. The result comes from {@code result}
     * (which may throw, to fail the exchange with an error the head described).
     */
    static <T> BodyReader<T> discard(long maxBytes, Supplier<T> result) {
        return new BodyReader<>() {
            private long seen;

            @Override
            public boolean onContent(ByteBuf chunk) {
                seen += chunk.readableBytes();
                return seen <= maxBytes;
            }

            @Override
            public T end() {
                return result.get();
            }
        };
    }

    /**
     * Collects a small body (a JSON document) into one array, at most {@code maxBytes}; a longer body fails the
     * exchange with {@code tooLarge}'s exception as soon as it passes the bound.
     */
    static BodyReader<byte[]> aggregate(int maxBytes, Supplier<? extends RuntimeException> tooLarge) {
        return new BodyReader<>() {
            private byte[] bytes = new byte[Math.min(maxBytes, 8192)];
            private int length;

            @Override
            public boolean onContent(ByteBuf chunk) {
                int n = chunk.readableBytes();
                if (n > maxBytes - length) {
                    throw tooLarge.get();
                }
                if (length + n > bytes.length) {
                    bytes = Arrays.copyOf(bytes, (int) Math.min(maxBytes, Math.max(length + n, 2L * bytes.length)));
                }
                chunk.getBytes(chunk.readerIndex(), bytes, length, n);
                length += n;
                return true;
            }

            @Override
            public byte[] end() {
                return length == bytes.length ? bytes : Arrays.copyOf(bytes, length);
            }
        };
    }
}
