package dev.hubmirror.job;

/**
 * What the {@link JobStateStore} keeps per job: its state and the bookkeeping that lets another replica resume it and
 * announce its outcome exactly from the record.
 *
 * @param job       the job's state
 * @param tokenName the configured token name the job uses; {@code null} for the default token (never a token)
 * @param shard     the shard of work the job belongs to; its owner runs the job; -1 for none
 * @param instance  the replica that runs or ran it; {@code null} until an owner admitted it
 * @param admitted  whether the owner of its shard admitted it (then only that owner, or the next one, runs it)
 * @param announced the latest event delivered for the job; {@code null} for none
 */
public record JobRecord(JobSnapshot job, String tokenName, int shard, String instance, boolean admitted,
        JobEventType announced) {

    /** The job's id. */
    public String id() {
        return job.id();
    }

    /** Whether the job's final event still has to be delivered. */
    public boolean unannounced() {
        return job.status().finished() && announced != JobEventType.of(job.status());
    }

    /** This record with {@code event} delivered. */
    public JobRecord announced(JobEventType event) {
        return new JobRecord(job, tokenName, shard, instance, admitted, event);
    }

    /** This record with another job state, the bookkeeping kept. */
    public JobRecord with(JobSnapshot state) {
        return new JobRecord(state, tokenName, shard, instance, admitted, announced);
    }
}
