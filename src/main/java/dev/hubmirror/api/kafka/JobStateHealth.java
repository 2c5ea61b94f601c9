package dev.hubmirror.api.kafka;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness of the job-state view: with Kafka on, a replica is ready once it read the job-state topic up to where it
 * stood at start (before that, {@code GET /v1/jobs/{id}} could miss jobs other replicas know). Always up with Kafka
 * off. When not ready, {@code data.error} says what it waits for (the broker, a missing topic, the read). The check
 * {@code kafka} ({@link KafkaReadinessCheck}) names the broker and every missing topic; the Kafka channels report
 * their own health.
 */
@Readiness
@ApplicationScoped
public class JobStateHealth implements HealthCheck {

    private final KafkaJobs jobs;

    @Inject
    public JobStateHealth(KafkaJobs jobs) {
        this.jobs = jobs;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("job-state")
                .status(jobs.ready())
                .withData("kafka", jobs.enabled());
        if (jobs.enabled()) {
            response.withData("topic", jobs.stateTopic());
            jobs.stateProblem().ifPresent(problem -> response.withData("error", problem));
        }
        return response.build();
    }
}
