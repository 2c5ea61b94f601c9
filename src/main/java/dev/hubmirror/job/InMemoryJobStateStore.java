package dev.hubmirror.job;

import io.smallrye.mutiny.Uni;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The {@link JobStateStore} of a single process: maps in memory, every write visible at once, nothing survives a
 * restart. Thread-safe.
 */
public final class InMemoryJobStateStore implements JobStateStore {

    private final Map<String, JobRecord> records = new ConcurrentHashMap<>();
    private final Map<String, JobRecord> placeholders = new ConcurrentHashMap<>();
    private final Set<String> requests = ConcurrentHashMap.newKeySet();
    private final Set<String> cancels = ConcurrentHashMap.newKeySet();
    private final List<Consumer<String>> cancelListeners = new CopyOnWriteArrayList<>();

    @Override
    public Uni<Void> save(JobRecord record) {
        return Uni.createFrom().voidItem().invoke(() -> {
            records.put(record.id(), record);
            placeholders.remove(record.id());
        });
    }

    @Override
    public Uni<Void> saveAccepted(String requestId, List<JobRecord> jobs) {
        return Uni.createFrom().voidItem().invoke(() -> {
            requests.add(requestId);
            for (JobRecord job : jobs) {
                if (!records.containsKey(job.id())) {
                    placeholders.put(job.id(), job);
                }
            }
        });
    }

    @Override
    public Uni<Void> requestCancel(String jobId) {
        return Uni.createFrom().voidItem().invoke(() -> {
            if (cancels.add(jobId)) {
                cancelListeners.forEach(listener -> listener.accept(jobId));
            }
        });
    }

    @Override
    public boolean requestSeen(String requestId) {
        return requests.contains(requestId);
    }

    @Override
    public boolean cancelRequested(String jobId) {
        return cancels.contains(jobId);
    }

    @Override
    public void onCancelRequest(Consumer<String> listener) {
        cancelListeners.add(listener);
    }

    @Override
    public Optional<JobRecord> find(String jobId) {
        JobRecord record = records.get(jobId);
        return Optional.ofNullable(record != null ? record : placeholders.get(jobId));
    }

    @Override
    public List<JobRecord> list(Optional<JobStatus> status, int limit) {
        return all().stream()
                .filter(r -> status.isEmpty() || r.job().status() == status.get())
                .sorted(NEWEST_FIRST)
                .limit(Math.max(0, limit))
                .toList();
    }

    @Override
    public Collection<JobRecord> all() {
        Map<String, JobRecord> all = new HashMap<>(placeholders);
        all.putAll(records);
        return List.copyOf(all.values());
    }

    @Override
    public Uni<Void> sync() {
        return Uni.createFrom().voidItem();
    }

    @Override
    public void forgetFinishedBefore(Instant cutoff) {
        records.values().removeIf(r -> r.job().finishedAt() != null && r.job().finishedAt().isBefore(cutoff));
    }

    /** Newest first: by creation time, then by id (ids are time-ordered). */
    static final Comparator<JobRecord> NEWEST_FIRST = Comparator
            .comparing((JobRecord r) -> r.job().createdAt(), Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(JobRecord::id).reversed();
}
