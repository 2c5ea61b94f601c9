package dev.hubmirror.job;

import dev.hubmirror.transfer.MirrorSpec;

/**
 * What makes two jobs the same work: the work's {@linkplain JobWork#identity() identity} (for a snapshot: type, repo,
 * revision and the pattern sets, their order and repeats aside) and the target. The token is not part of it.
 *
 * @param work   the work in its identity form
 * @param target the target's name; {@code null} for the default target
 */
public record JobKey(JobWork work, String target) {

    /** The key of {@code work} in {@code target} ({@code null}: the default target). */
    public static JobKey of(JobWork work, String target) {
        return new JobKey(work.identity(), target);
    }

    /** The key of a snapshot mirrored into the default store. */
    public static JobKey of(MirrorSpec spec) {
        return of(new SnapshotWork(spec), null);
    }

    /**
     * A stable text form, equal for equal keys ({@link JobWork#keyText}): identical jobs share it, so as a Kafka
     * record key it sends them to the same partition.
     */
    public String text() {
        return work.keyText(target);
    }
}
