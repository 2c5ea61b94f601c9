package dev.hubmirror.job;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.transfer.MirrorProgress;
import io.smallrye.mutiny.Uni;

/**
 * Does the work of one kind of job ({@link JobWork}): the other half of the extension point. The job service calls
 * {@link #check} before it accepts a job and {@link #run} when the job's turn comes.
 *
 * @param <W> the kind of work it runs
 */
public interface JobRunner<W extends JobWork> {

    /** The kind of work this runner runs. */
    Class<W> work();

    /**
     * Checks, before a job is accepted, that what it names is configured here.
     *
     * @throws MirrorException {@link Reason#INVALID_REQUEST} naming what is not configured
     */
    void check(W work, String target, String tokenName);

    /**
     * Runs the work into {@code target} with the token {@code tokenName} ({@code null}: the defaults), reporting to
     * {@code progress}; completes with how it succeeded, fails with a {@link MirrorException}. Cancelling the Uni stops
     * the work and leaves nothing unverified visible.
     */
    Uni<JobOutcome> run(W work, String target, String tokenName, MirrorProgress progress);
}
