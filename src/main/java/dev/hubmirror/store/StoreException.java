package dev.hubmirror.store;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;

/** A failure of the object store, translated from the adapter's SDK at its boundary. */
public class StoreException extends MirrorException {

    private static final long serialVersionUID = 1L;

    public StoreException(Reason reason, String message, Throwable cause) {
        super(reason, message, cause);
    }

    public StoreException(Reason reason, boolean retriable, String message, Throwable cause) {
        super(reason, retriable, message, cause);
    }
}
