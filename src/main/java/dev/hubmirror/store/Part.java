package dev.hubmirror.store;

import java.nio.ByteBuffer;

/**
 * One part of a multipart upload: its 1-based number, its byte offset in the object, and its content. The buffer is
 * read with {@code duplicate()} so a retry re-sends the same bytes.
 */
public record Part(int number, long offset, ByteBuffer data) {

    /** Number of bytes in this part. */
    public int length() {
        return data.remaining();
    }
}
