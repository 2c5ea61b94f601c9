package dev.hubmirror.job;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.transfer.MirrorProgress;
import io.smallrye.mutiny.Uni;
import java.util.List;

/** The {@link JobRunner} of every kind of job this service runs; a work goes to the runner of its class. */
public final class JobRunners {

    private final List<JobRunner<?>> runners;

    private JobRunners(List<JobRunner<?>> runners) {
        this.runners = List.copyOf(runners);
    }

    /** The runners, one per kind of work. */
    public static JobRunners of(JobRunner<?>... runners) {
        return new JobRunners(List.of(runners));
    }

    /**
     * Checks that {@code work} can run here with these names.
     *
     * @throws MirrorException {@link Reason#INVALID_REQUEST} for a kind no runner runs or a name that is not configured
     */
    public void check(JobWork work, String target, String tokenName) {
        runnerOf(work).check(work, target, tokenName);
    }

    /** Runs {@code work} with its kind's runner. */
    public Uni<JobOutcome> run(JobWork work, String target, String tokenName, MirrorProgress progress) {
        return runnerOf(work).run(work, target, tokenName, progress);
    }

    private Typed<?> runnerOf(JobWork work) {
        for (JobRunner<?> runner : runners) {
            if (runner.work().isInstance(work)) {
                return new Typed<>(runner);
            }
        }
        throw new MirrorException(Reason.INVALID_REQUEST, "this service runs no " + work.kind() + " jobs: "
                + work.describe() + " cannot run here");
    }

    /** A runner and the class of work it takes, so that a work is handed over with its own type. */
    private record Typed<W extends JobWork>(JobRunner<W> runner) {

        void check(JobWork work, String target, String tokenName) {
            runner.check(runner.work().cast(work), target, tokenName);
        }

        Uni<JobOutcome> run(JobWork work, String target, String tokenName, MirrorProgress progress) {
            return runner.run(runner.work().cast(work), target, tokenName, progress);
        }
    }
}
