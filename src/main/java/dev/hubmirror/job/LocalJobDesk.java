package dev.hubmirror.job;

import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.Optional;

/** The {@link JobDesk} of the embedded default: this process's {@link JobService} and its in-memory jobs. */
public final class LocalJobDesk implements JobDesk {

    private final JobService jobs;

    public LocalJobDesk(JobService jobs) {
        this.jobs = jobs;
    }

    @Override
    public Uni<List<JobSnapshot>> submit(List<? extends JobWork> works, String target, String tokenName,
            String bundle) {
        return Uni.createFrom().item(() -> jobs.submit(works, target, tokenName, bundle).stream().map(Job::snapshot)
                .toList());
    }

    @Override
    public List<JobSnapshot> bundle(String name) {
        return jobs.bundle(name);
    }

    @Override
    public JobSnapshot get(String id) {
        return jobs.get(id).snapshot();
    }

    @Override
    public List<JobSnapshot> list(Optional<JobStatus> status, int limit) {
        return jobs.list(status, limit).stream().map(Job::snapshot).toList();
    }

    @Override
    public Uni<JobSnapshot> cancel(String id) {
        return Uni.createFrom().item(() -> jobs.cancel(id).snapshot());
    }
}
