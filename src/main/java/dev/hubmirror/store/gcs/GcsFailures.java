package dev.hubmirror.store.gcs;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.store.StoreException;
import java.io.IOException;
import java.util.regex.Pattern;

/** Google Cloud Storage client failures as {@link StoreException}s, translated at the adapter's boundary. */
final class GcsFailures {

    private static final Pattern UPLOAD_ID = Pattern.compile("upload_id=[^&\\s\"']+");

    private GcsFailures() {
    }

    /**
     * Translates a client failure into a {@link StoreException}. {@code inSession}: the failure
     * came from a resumable session, whose URI may appear in the client's message, so the message is redacted and the
     * cause dropped; a session that is gone (404, 410) is retriable: the engine restarts the file.
     */
    static StoreException translate(String operation, String key, String bucket, Throwable e, boolean inSession) {
        if (e instanceof StoreException se) {
            return se;
        }
        String what = operation + " of store key '" + key + "' in bucket " + bucket + " failed";
        com.google.cloud.storage.StorageException se = storageException(e);
        if (se == null) {
            if (e instanceof IOException) {
                return new StoreException(Reason.STORE_UNAVAILABLE, true,
                        what + ": " + redact(e.toString()) + "; check the network path to GCS", inSession ? null : e);
            }
            return new StoreException(Reason.INTERNAL, false,
                    what + ": unexpected " + e.getClass().getName() + ": " + redact(String.valueOf(e.getMessage())),
                    inSession ? null : e);
        }
        int code = se.getCode();
        String detail = " (HTTP " + code + (se.getReason() == null ? "" : " " + se.getReason()) + ")";
        Throwable cause = inSession ? null : se;
        if (inSession && (code == 404 || code == 410)) {
            return new StoreException(Reason.STORE_ERROR, true, what
                    + ": the resumable-upload session expired or was cancelled" + detail + "; restart the file", cause);
        }
        if (code == 401 || code == 403) {
            return new StoreException(Reason.STORE_ACCESS_DENIED, false, what
                    + ": GCS refused the credentials" + detail
                    + "; grant the service account roles/storage.objectAdmin on the bucket (docs/gcs.md)", cause);
        }
        if (code == 404) {
            return new StoreException(Reason.STORE_ACCESS_DENIED, false, what
                    + ": the bucket does not exist or is not visible to these credentials" + detail, cause);
        }
        if (code == 0 || code == 408 || code == 429 || code >= 500 || se.isRetryable()) {
            return new StoreException(Reason.STORE_UNAVAILABLE, true,
                    what + ": GCS is unavailable" + detail + ": " + redact(se.getMessage()), cause);
        }
        return new StoreException(Reason.STORE_ERROR, false,
                what + detail + ": " + redact(se.getMessage()), cause);
    }

    private static com.google.cloud.storage.StorageException storageException(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof com.google.cloud.storage.StorageException se) {
                return se;
            }
        }
        return null;
    }

    /** Removes resumable-session ids (which authorize writes) from a client message. */
    static String redact(String message) {
        if (message == null) {
            return "";
        }
        String firstLine = message.lines().findFirst().orElse("");
        return UPLOAD_ID.matcher(firstLine).replaceAll("upload_id=<redacted>");
    }
}
