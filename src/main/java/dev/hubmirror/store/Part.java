package dev.hubmirror.store;

/**
 * One part of a multipart upload: its 1-based number, its byte offset in the object, and its content, which a retry
 * re-reads from the start (see {@link Content#views()}).
 */
public record Part(int number, long offset, Content content) {

    /** A part of the remaining bytes of one buffer. */
    public Part(int number, long offset, java.nio.ByteBuffer data) {
        this(number, offset, Content.of(data));
    }

    /** Number of bytes in this part. */
    public long length() {
        return content.length();
    }
}
