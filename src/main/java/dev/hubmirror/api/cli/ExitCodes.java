package dev.hubmirror.api.cli;

/** The exit codes of the commands (listed in every command's help and in docs/cli.md). */
final class ExitCodes {

    /** Everything asked for was done: every repo mirrored, or every snapshot COMPLETE. */
    static final int OK = 0;
    /** A repo failed to mirror, or the store failed while verifying, and retrying the same way will not help. */
    static final int FAILED = 1;
    /** Invalid arguments (repo id, revision, type, pattern, store URL) or an unknown option: nothing was started. */
    static final int USAGE = 2;
    /** verify: a snapshot is INCOMPLETE (ref, tree or files missing or wrong); offline workers would fail. */
    static final int INCOMPLETE = 3;
    /** verify: everything is present but some files record no hash (copied by another tool): run with --deep. */
    static final int UNVERIFIED = 4;
    /** verify: nothing of the snapshot is in the store (no ref, no tree): it was never mirrored or copied there. */
    static final int NOT_MIRRORED = 5;
    /** A retriable failure (Hub or store unavailable, rate limited, connection lost): run the command again. */
    static final int RETRIABLE = 75;

    private ExitCodes() {
    }

    /** The code for a failure, by whether a retry may help. */
    static int forFailure(boolean retriable) {
        return retriable ? RETRIABLE : FAILED;
    }

    /**
     * The more serious of two codes: a failure over a retriable failure over NOT_MIRRORED over INCOMPLETE over
     * UNVERIFIED over OK.
     */
    static int worse(int a, int b) {
        return rank(a) >= rank(b) ? a : b;
    }

    private static int rank(int code) {
        return switch (code) {
            case OK -> 0;
            case UNVERIFIED -> 1;
            case INCOMPLETE -> 2;
            case NOT_MIRRORED -> 3;
            case RETRIABLE -> 4;
            case FAILED -> 5;
            default -> 6;
        };
    }
}
