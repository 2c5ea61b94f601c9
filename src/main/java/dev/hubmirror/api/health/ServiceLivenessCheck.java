package dev.hubmirror.api.health;

import dev.hubmirror.job.JobService;
import dev.hubmirror.job.JobStatus;
import dev.hubmirror.job.RetainedJobs;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Liveness: the process answers on its management interface. Deliberately independent of the Hub and the store (a
 * restart fixes neither); it reports the jobs running and queued, which reading proves the job service responds, and
 * the job records kept with their estimated heap (bounded by {@code mirror.jobs.max-retained*}).
 */
@Liveness
@ApplicationScoped
public class ServiceLivenessCheck implements HealthCheck {

    private final JobService jobs;

    public ServiceLivenessCheck(JobService jobs) {
        this.jobs = jobs;
    }

    @Override
    public HealthCheckResponse call() {
        RetainedJobs retained = jobs.retained();
        return HealthCheckResponse.named("hub-mirror").up()
                .withData("jobsRunning", jobs.list(Optional.of(JobStatus.RUNNING), Integer.MAX_VALUE).size())
                .withData("jobsQueued", jobs.list(Optional.of(JobStatus.QUEUED), Integer.MAX_VALUE).size())
                .withData("jobsRetained", retained.count())
                .withData("jobsRetainedBytes", retained.bytes())
                .build();
    }
}
