package dev.hubmirror.http;

/**
 * Back-pressure on a response body: a {@link BodyReader} that cannot take more bytes for a while (its next buffer is
 * not granted yet) pauses the exchange, and resumes it when it can. While paused the connection is not read (Netty's
 * auto-read is off), the {@link Watchdog} does not count the pause as silence of the server, and the few bytes the
 * codec had already decoded are kept by the exchange (at most one socket read, in Netty's pooled buffers) and handed
 * to the reader, in order, on resume.
 *
 * <p>A reader that pauses inside {@link BodyReader#onContent} advances the chunk's reader index past the bytes it
 * took: what is still readable when the call returns is kept and handed again on resume. A reader that never pauses
 * may leave the reader index alone (every byte counts as taken). Both methods may be called from any thread and are
 * idempotent.
 */
public interface ReadFlow {

    /** Stops reading the body until {@link #resume()}. */
    void pause();

    /** Reads on: first what was kept, then from the connection. */
    void resume();
}
