package dev.hubmirror.api.rest;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.job.JobDesk;
import dev.hubmirror.job.JobStatus;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.core.MediaType;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Job status, listing and cancellation under {@code /v1/jobs}. */
@Path("/v1/jobs")
@Tag(name = "jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobsResource {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private final JobDesk jobs;

    public JobsResource(JobDesk jobs) {
        this.jobs = jobs;
    }

    /** Lists remembered jobs, newest first. */
    @GET
    @Operation(summary = "List jobs, newest first")
    @APIResponse(responseCode = "200", description = "Jobs")
    @APIResponse(responseCode = "400", description = "Unknown status or bad limit (INVALID_REQUEST)",
            content = @Content(schema = @Schema(implementation = ErrorResponse.class)))
    public JobListResponse list(
            @Parameter(description = "Only jobs in this status: QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED")
            @QueryParam("status") String status,
            @Parameter(description = "At most this many jobs, 1 to 1000; default 100")
            @QueryParam("limit") String limit) {
        return new JobListResponse(jobs.list(parseStatus(status), parseLimit(limit)).stream()
                .map(JobResponse::of)
                .toList());
    }

    /** One job's status and progress. */
    @GET
    @Path("{id}")
    @Operation(summary = "A job's status and progress")
    @APIResponse(responseCode = "200", description = "The job")
    @APIResponse(responseCode = "404", description = "Unknown job (JOB_NOT_FOUND)",
            content = @Content(schema = @Schema(implementation = ErrorResponse.class)))
    public JobResponse get(@PathParam("id") String id) {
        return JobResponse.of(jobs.get(id));
    }

    /** Cancels a queued or running job; a running job's in-flight uploads are aborted. */
    @DELETE
    @Path("{id}")
    @Operation(summary = "Cancel a job", description = "A queued job leaves the queue; a running job stops and its "
            + "in-flight uploads are aborted. The answer shows the job CANCELLED.")
    @APIResponse(responseCode = "200", description = "The cancelled job")
    @APIResponse(responseCode = "404", description = "Unknown job (JOB_NOT_FOUND)",
            content = @Content(schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "409", description = "The job already finished (JOB_FINISHED)",
            content = @Content(schema = @Schema(implementation = ErrorResponse.class)))
    public Uni<JobResponse> cancel(@PathParam("id") String id) {
        return jobs.cancel(id).map(JobResponse::of);
    }

    private static Optional<JobStatus> parseStatus(String status) {
        if (status == null || status.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(JobStatus.valueOf(status.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw new MirrorException(Reason.INVALID_REQUEST, "unknown status '" + printable(status) + "': use one of "
                    + Arrays.toString(JobStatus.values()));
        }
    }

    private static int parseLimit(String limit) {
        if (limit == null || limit.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            int value = Integer.parseInt(limit.trim());
            if (value >= 1 && value <= MAX_LIMIT) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new MirrorException(Reason.INVALID_REQUEST,
                "limit '" + printable(limit) + "' is invalid: use a number from 1 to " + MAX_LIMIT);
    }

    private static String printable(String s) {
        String cut = s.length() > 50 ? s.substring(0, 50) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
