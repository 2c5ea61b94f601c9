package dev.hubmirror.failure;

/**
 * Every failure the service reports: a stable {@link Reason}, whether a retry may help, and a message that tells an
 * operator what failed (repo, revision, file, store key) and what to do. Messages never contain tokens or signed URL
 * query strings.
 */
public class MirrorException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final Reason reason;
    private final boolean retriable;

    public MirrorException(Reason reason, String message) {
        this(reason, reason.retriable(), message, null);
    }

    public MirrorException(Reason reason, String message, Throwable cause) {
        this(reason, reason.retriable(), message, cause);
    }

    public MirrorException(Reason reason, boolean retriable, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.retriable = retriable;
    }

    /** The stable failure code. */
    public Reason reason() {
        return reason;
    }

    /** Whether retrying the failed operation may succeed. */
    public boolean retriable() {
        return retriable;
    }

    /** Wraps any throwable: a {@link MirrorException} passes through, anything else becomes {@link Reason#INTERNAL}. */
    public static MirrorException of(Throwable t) {
        if (t instanceof MirrorException e) {
            return e;
        }
        return new MirrorException(Reason.INTERNAL, "unexpected " + t.getClass().getName() + ": " + t.getMessage(), t);
    }
}
