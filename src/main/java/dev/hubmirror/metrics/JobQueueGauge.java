package dev.hubmirror.metrics;

import dev.hubmirror.job.JobService;
import dev.hubmirror.job.JobStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.Optional;

/** Publishes {@link MetricNames#JOBS_QUEUED}, the jobs waiting for a slot, read from the {@link JobService}. */
@Singleton
public class JobQueueGauge {

    void register(@Observes StartupEvent event, MeterRegistry registry, JobService jobs) {
        Gauge.builder(MetricNames.JOBS_QUEUED, jobs,
                        service -> service.list(Optional.of(JobStatus.QUEUED), Integer.MAX_VALUE).size())
                .strongReference(true).description("Jobs waiting for a free slot (mirror.jobs.concurrency)")
                .register(registry);
    }
}
