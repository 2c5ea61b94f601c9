package dev.hubmirror.job;

import io.smallrye.mutiny.Uni;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The {@link JobStateStore} of a single process: a {@link JobStateView} in memory, every write visible at once,
 * nothing survives a restart. Thread-safe.
 */
public final class InMemoryJobStateStore implements JobStateStore {

    private final JobStateView view = new JobStateView();
    private final List<Consumer<String>> cancelListeners = new CopyOnWriteArrayList<>();

    @Override
    public Uni<Void> save(JobRecord record) {
        return Uni.createFrom().voidItem().invoke(() -> view.record(record));
    }

    @Override
    public Uni<Void> saveAccepted(String requestId, List<JobRecord> jobs) {
        return Uni.createFrom().voidItem().invoke(() -> view.accepted(requestId,
                jobs.isEmpty() ? Instant.now() : jobs.get(0).job().times().createdAt(), jobs));
    }

    @Override
    public Uni<Void> requestCancel(String jobId) {
        return Uni.createFrom().voidItem().invoke(() -> {
            if (view.requestCancel(jobId)) {
                cancelListeners.forEach(listener -> listener.accept(jobId));
            }
        });
    }

    @Override
    public boolean requestSeen(String requestId) {
        return view.requestSeen(requestId);
    }

    @Override
    public boolean cancelRequested(String jobId) {
        return view.cancelRequested(jobId);
    }

    @Override
    public void onCancelRequest(Consumer<String> listener) {
        cancelListeners.add(listener);
    }

    @Override
    public Optional<JobRecord> find(String jobId) {
        return view.find(jobId);
    }

    @Override
    public List<JobRecord> list(Optional<JobStatus> status, int limit) {
        return view.list(status, limit);
    }

    @Override
    public Collection<JobRecord> all() {
        return view.all();
    }

    @Override
    public Uni<Void> sync() {
        return Uni.createFrom().voidItem();
    }

    @Override
    public void forgetFinishedBefore(Instant cutoff) {
        view.forgetFinishedBefore(cutoff);
    }
}
