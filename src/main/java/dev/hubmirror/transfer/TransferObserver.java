package dev.hubmirror.transfer;

/**
 * What the transfer engine reports for monitoring: bytes in and out, files started and finished, and how long store
 * uploads take. It knows no metrics library; {@code dev.hubmirror.metrics} implements it. Called from I/O threads:
 * implementations must be thread-safe, fast, and must not block or throw.
 */
public interface TransferObserver {

    /** A file's transfer started (no verified copy was in the store). Always followed by {@link #transferEnded()}. */
    void transferStarted();

    /** A file's transfer ended: written, failed or cancelled. */
    void transferEnded();

    /** A file finished: written, skipped (already verified in the store) or failed; not called when cancelled. */
    void fileFinished(FileOutcome outcome);

    /** {@code bytes} more bytes arrived from the Hub (called per chunk, before verification). */
    void downloaded(long bytes);

    /** One part of a multipart upload of {@code bytes} bytes was stored after {@code nanos} (retries included). */
    void partUploaded(long bytes, long nanos);

    /** A whole object of {@code bytes} bytes (a small file) was stored with one PUT after {@code nanos}. */
    void objectPut(long bytes, long nanos);

    /** Reports nothing. */
    TransferObserver NONE = new TransferObserver() {
        @Override
        public void transferStarted() {
        }

        @Override
        public void transferEnded() {
        }

        @Override
        public void fileFinished(FileOutcome outcome) {
        }

        @Override
        public void downloaded(long bytes) {
        }

        @Override
        public void partUploaded(long bytes, long nanos) {
        }

        @Override
        public void objectPut(long bytes, long nanos) {
        }
    };
}
