package dev.hubmirror.job;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;

/** Why a job did not succeed: a stable {@link Reason} and a message for an operator. */
public record JobError(Reason reason, String message) {

    /** The error for a failure: a {@link MirrorException}'s reason and message, anything else as INTERNAL. */
    public static JobError of(Throwable failure) {
        MirrorException e = MirrorException.of(failure);
        return new JobError(e.reason(), e.getMessage());
    }
}
