package dev.hubmirror.job;

/**
 * What one job does: <b>the extension point for a kind of job</b>. The job machinery (admission, dedupe, queue,
 * state, events, the Kafka coordinator) knows jobs only through this interface; a model snapshot is one kind
 * ({@link SnapshotWork}), and an image copy, a chart copy or a bundle would be others. A kind is an immutable record
 * implementing this interface plus a {@link JobRunner} that does the work (registered in {@link JobRunners}); its wire
 * form is mapped in {@code api.rest.WorkFields}. Implementations are values: equal works are the same work.
 */
public interface JobWork {

    /** The kind's name: a fixed lower-case word for logs and the wire, e.g. {@code snapshot}. */
    String kind();

    /**
     * This work in the form that decides whether two jobs are the same work ({@link JobKey}): for example with its
     * patterns sorted and without repeats, where their order does not matter.
     */
    JobWork identity();

    /**
     * A stable text form of this work's identity in {@code target} ({@code null}: the default target), equal for equal
     * keys; identical jobs share it, so as a Kafka record key it sends them to the same partition.
     */
    String keyText(String target);

    /**
     * What the work is about, without its version: one subject's events keep their order on the events topic (a
     * repo, {@code model:org/name}; an image's repository).
     */
    String subject();

    /** The work as an operator's message names it, e.g. {@code model:org/name@main}. */
    String describe();

    /** The work as a log line names it, in {@code key=value} form of {@code dev.hubmirror.log.LogKeys}. */
    String logFields();

    /**
     * The target a job of this work goes to when its submission names {@code target} ({@code null}: the default
     * target). A kind with one destination of its own (the target registry) answers {@code null}: the store target
     * does not apply to it.
     */
    default String targetIn(String target) {
        return target;
    }

    /** The estimated heap of the strings this work keeps ({@link JobFootprint#string}). */
    long footprint();
}
