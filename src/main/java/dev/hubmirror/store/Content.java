package dev.hubmirror.store;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Bytes handed to a store: one or more chunks, in order, that the caller owns and keeps unchanged until the store call
 * that received them completes. A store reads them through {@link #views()}, which gives fresh views each time, so a
 * retried request re-sends exactly the same bytes without copying them.
 */
public final class Content {

    private static final Content EMPTY = new Content(new ByteBuffer[0], 0);

    private final ByteBuffer[] chunks;
    private final long length;

    private Content(ByteBuffer[] chunks, long length) {
        this.chunks = chunks;
        this.length = length;
    }

    /** The remaining bytes of {@code buffer} (its position and limit are not changed). */
    public static Content of(ByteBuffer buffer) {
        return new Content(new ByteBuffer[] {buffer.slice()}, buffer.remaining());
    }

    /** The remaining bytes of each chunk, in order. */
    public static Content of(List<ByteBuffer> chunks) {
        if (chunks.isEmpty()) {
            return EMPTY;
        }
        ByteBuffer[] copy = new ByteBuffer[chunks.size()];
        long length = 0;
        for (int i = 0; i < copy.length; i++) {
            copy[i] = chunks.get(i).slice();
            length += copy[i].remaining();
        }
        return new Content(copy, length);
    }

    /** No bytes. */
    public static Content empty() {
        return EMPTY;
    }

    /** Number of bytes. */
    public long length() {
        return length;
    }

    /** Fresh views of the chunks, each positioned at its first byte; reading them changes nothing here. */
    public ByteBuffer[] views() {
        ByteBuffer[] views = new ByteBuffer[chunks.length];
        for (int i = 0; i < views.length; i++) {
            views[i] = chunks[i].duplicate();
        }
        return views;
    }

    /** The bytes as one new heap array (for clients that only take arrays; small objects only). */
    public byte[] toArray() {
        byte[] bytes = new byte[Math.toIntExact(length)];
        int at = 0;
        for (ByteBuffer view : views()) {
            int n = view.remaining();
            view.get(bytes, at, n);
            at += n;
        }
        return bytes;
    }
}
