package dev.hubmirror.job;

import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A replica's view of the durable job state, as pure state (no I/O): every job's latest record, the placeholders of
 * accepted requests' jobs (QUEUED until their own record arrives, which always wins), the requests seen and the
 * cancellation requests. A {@link JobStateStore} applies what it writes or reads here and answers from it. Safe for
 * one writer and any number of readers.
 */
public final class JobStateView {

    /** Newest first: by creation time, then by id (ids are time-ordered). */
    static final Comparator<JobRecord> NEWEST_FIRST = Comparator
            .comparing((JobRecord r) -> r.job().times().createdAt(), Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(JobRecord::id).reversed();

    private final Map<String, JobRecord> records = new ConcurrentHashMap<>();
    private final Map<String, JobRecord> placeholders = new ConcurrentHashMap<>();
    private final Map<String, Instant> requests = new ConcurrentHashMap<>();
    private final Set<String> cancels = ConcurrentHashMap.newKeySet();

    // ---- changes ---------------------------------------------------------------------------------------------------

    /** A job's own record: it replaces the job's earlier record and its placeholder. */
    public void record(JobRecord record) {
        records.put(record.id(), record);
        placeholders.remove(record.id());
    }

    /** The job's record is gone (a tombstone). */
    public void forgetRecord(String jobId) {
        records.remove(jobId);
    }

    /**
     * Request {@code requestId} was accepted at {@code acceptedAt} with these jobs; each shows as its placeholder
     * until its own record arrives.
     */
    public void accepted(String requestId, Instant acceptedAt, List<JobRecord> jobs) {
        requests.put(requestId, acceptedAt);
        for (JobRecord job : jobs) {
            if (!records.containsKey(job.id())) {
                placeholders.put(job.id(), job);
            }
        }
    }

    /** The request's record is gone (a tombstone). */
    public void forgetRequest(String requestId) {
        requests.remove(requestId);
    }

    /** A caller asked to cancel job {@code jobId}; returns whether this is news. */
    public boolean requestCancel(String jobId) {
        return cancels.add(jobId);
    }

    /** The cancellation request's record is gone (a tombstone). */
    public void forgetCancel(String jobId) {
        cancels.remove(jobId);
    }

    /**
     * Forgets finished jobs that finished before {@code cutoff}, and requests and placeholders accepted before it
     * (by then their jobs have their own records, or will never run).
     */
    public void forgetFinishedBefore(Instant cutoff) {
        records.values().removeIf(r -> r.job().times().finishedAt() != null
                && r.job().times().finishedAt().isBefore(cutoff));
        requests.values().removeIf(acceptedAt -> acceptedAt != null && acceptedAt.isBefore(cutoff));
        placeholders.values().removeIf(r -> r.job().times().createdAt() != null
                && r.job().times().createdAt().isBefore(cutoff));
    }

    // ---- reads -----------------------------------------------------------------------------------------------------

    /** Whether request {@code requestId} was accepted. */
    public boolean requestSeen(String requestId) {
        return requests.containsKey(requestId);
    }

    /** Whether cancelling job {@code jobId} was requested. */
    public boolean cancelRequested(String jobId) {
        return cancels.contains(jobId);
    }

    /** The job's record, or its placeholder. */
    public Optional<JobRecord> find(String jobId) {
        JobRecord record = records.get(jobId);
        return Optional.ofNullable(record != null ? record : placeholders.get(jobId));
    }

    /** Jobs, newest first, optionally only those with {@code status}, at most {@code limit}. */
    public List<JobRecord> list(Optional<JobStatus> status, int limit) {
        return all().stream()
                .filter(r -> status.isEmpty() || r.job().status() == status.get())
                .sorted(NEWEST_FIRST)
                .limit(Math.max(0, limit))
                .toList();
    }

    /** Every job: records, and placeholders of jobs without one. */
    public Collection<JobRecord> all() {
        Map<String, JobRecord> all = new HashMap<>(placeholders);
        all.putAll(records);
        return List.copyOf(all.values());
    }

    /** The jobs kept and their estimated heap ({@link JobFootprint}), with the oldest finished job's time. */
    public RetainedJobs retained() {
        int count = 0;
        long bytes = 0;
        Instant oldest = null;
        for (Map<String, JobRecord> map : List.of(records, placeholders)) {
            for (Map.Entry<String, JobRecord> entry : map.entrySet()) {
                if (map == placeholders && records.containsKey(entry.getKey())) {
                    continue;
                }
                JobSnapshot job = entry.getValue().job();
                count++;
                bytes += JobFootprint.of(job);
                Instant finished = job.times().finishedAt();
                if (finished != null && (oldest == null || finished.isBefore(oldest))) {
                    oldest = finished;
                }
            }
        }
        return new RetainedJobs(count, bytes, oldest);
    }

    /** How many jobs have their own record. */
    public int recordCount() {
        return records.size();
    }

    /** How many requests were seen. */
    public int requestCount() {
        return requests.size();
    }
}
