package dev.hubmirror.api.rest;

import static dev.hubmirror.log.LogKeys.JOB;

import dev.hubmirror.config.JobConfig;
import dev.hubmirror.job.JobDesk;
import dev.hubmirror.job.JobSnapshot;
import io.smallrye.mutiny.Multi;
import io.vertx.core.Vertx;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

/**
 * A job's progress as server-sent events: {@code GET /v1/jobs/{id}/events}. Each event carries the job as
 * {@code GET /v1/jobs/{id}} returns it; the event name is {@code status} when the status changed (and for the first
 * event) and {@code progress} otherwise. The job is sampled every {@code mirror.jobs.events-interval}; an event is
 * sent when something changed, and at least every {@value #KEEP_ALIVE_SECONDS} seconds. The stream ends after the
 * event that shows the job finished (SUCCEEDED, FAILED or CANCELLED).
 */
@Path("/v1/jobs/{id}/events")
@Tag(name = "jobs")
public class JobEventsResource {

    static final int KEEP_ALIVE_SECONDS = 15;
    static final String STATUS = "status";
    static final String PROGRESS = "progress";
    private static final Logger LOGGER = Logger.getLogger(JobEventsResource.class);

    private final JobDesk jobs;
    private final Vertx vertx;
    private final Duration interval;

    public JobEventsResource(JobDesk jobs, Vertx vertx, JobConfig config) {
        this.jobs = jobs;
        this.vertx = vertx;
        this.interval = config.eventsInterval().isNegative() || config.eventsInterval().isZero()
                ? Duration.ofSeconds(1) : config.eventsInterval();
    }

    /** Streams the job's status and progress until it finished. */
    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Follow a job as server-sent events",
            description = "Events named 'status' (the status changed; also the first event) or 'progress' (counters "
                    + "changed, or a keep-alive every 15 s), each with the job as GET /v1/jobs/{id} returns it. The "
                    + "stream ends after the job finished.")
    @APIResponse(responseCode = "200", description = "The event stream",
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
                    schema = @Schema(implementation = JobResponse.class)))
    @APIResponse(responseCode = "404", description = "Unknown job (JOB_NOT_FOUND)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = ErrorResponse.class)))
    public Multi<OutboundSseEvent> events(@PathParam("id") String id, @Context Sse sse) {
        JobSnapshot job = jobs.get(id);
        long keepAliveTicks = Math.max(1, Duration.ofSeconds(KEEP_ALIVE_SECONDS).toMillis() / interval.toMillis());
        AtomicLong sequence = new AtomicLong();
        LOGGER.debugf("job events followed" + JOB + " %s", job.id(), job.work().logFields());
        return Multi.createFrom().emitter(emitter -> {
            Sampler sampler = new Sampler(() -> jobs.get(id), keepAliveTicks);
            Runnable tick = () -> {
                Sampler.Event event = sampler.next();
                if (event != null) {
                    emitter.emit(sse.newEventBuilder().name(event.name()).id(Long.toString(sequence.incrementAndGet()))
                            .mediaType(MediaType.APPLICATION_JSON_TYPE).data(JobResponse.class, event.job()).build());
                }
                if (event != null && event.job().status().finished()) {
                    emitter.complete();
                }
            };
            long timer = vertx.setPeriodic(interval.toMillis(), t -> {
                if (!emitter.isCancelled()) {
                    tick.run();
                }
            });
            emitter.onTermination(() -> vertx.cancelTimer(timer));
            tick.run();
        });
    }

    /** Decides, from one sample to the next, whether and which event to send. Not thread-safe: one per stream. */
    static final class Sampler {
        private final java.util.function.Supplier<JobSnapshot> job;
        private final long keepAliveTicks;
        private JobResponse last;
        private long quietTicks;
        private boolean done;

        Sampler(java.util.function.Supplier<JobSnapshot> job, long keepAliveTicks) {
            this.job = job;
            this.keepAliveTicks = keepAliveTicks;
        }

        /** The event for this tick, or null when nothing is to be sent. */
        synchronized Event next() {
            if (done) {
                return null;
            }
            JobResponse now = JobResponse.of(job.get());
            boolean statusChanged = last == null || last.status() != now.status();
            if (!statusChanged && now.equals(last) && ++quietTicks < keepAliveTicks) {
                return null;
            }
            quietTicks = 0;
            last = now;
            done = now.status().finished();
            return new Event(statusChanged ? STATUS : PROGRESS, now);
        }

        /** An event to send: its name and the job. */
        record Event(String name, JobResponse job) {
        }
    }
}
