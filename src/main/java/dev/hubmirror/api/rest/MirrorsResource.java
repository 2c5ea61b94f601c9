package dev.hubmirror.api.rest;

import dev.hubmirror.api.health.StoreReadinessCheck;
import dev.hubmirror.config.JobConfig;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.job.ArtifactMirror;
import dev.hubmirror.job.JobDesk;
import dev.hubmirror.job.JobWork;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseStatus;

/** Submissions: {@code POST /v1/mirrors} turns models, repos, images and charts into jobs. */
@Path("/v1/mirrors")
@Tag(name = "mirrors")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class MirrorsResource {

    private final JobDesk jobs;
    private final JobConfig config;
    private final StoreReadinessCheck store;
    private final ArtifactMirror artifacts;

    public MirrorsResource(JobDesk jobs, JobConfig config, @Readiness StoreReadinessCheck store,
            ArtifactMirror artifacts) {
        this.jobs = jobs;
        this.config = config;
        this.store = store;
        this.artifacts = artifacts;
    }

    /**
     * Validates the whole request, then submits one job per repo revision; a bad request submits nothing, nor does
     * any request while the store is not ready.
     */
    @POST
    @ResponseStatus(202)
    @Operation(summary = "Mirror repos into the store",
            description = "One job per repo revision, image and chart. A repo already QUEUED or RUNNING with the same "
                    + "revision and patterns (and target) answers its existing job (in a bundle, a job of its own "
                    + "waits behind it). Images and charts go to the target registry (mirror.registry.target.url), "
                    + "mapped as docs/registry.md says. target and tokenName name a configured store and token, as "
                    + "in a Kafka request. Tokens and credentials are never read from the request.")
    @APIResponse(responseCode = "202", description = "Jobs accepted: one per repo revision, in request order",
            content = @Content(schema = @Schema(implementation = MirrorResponse.class)))
    @APIResponse(responseCode = "400", description = "Invalid request (INVALID_REQUEST); nothing was submitted",
            content = @Content(schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "413", description = "Request body or its job records too large "
            + "(REQUEST_TOO_LARGE); nothing was submitted",
            content = @Content(schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "429", description = "Job queue full (QUEUE_FULL), too many job records kept "
            + "(TOO_MANY_JOBS) or this caller submits too fast (TOO_MANY_REQUESTS); nothing was submitted; see "
            + "Retry-After", content = @Content(schema = @Schema(implementation = ErrorResponse.class)))
    @APIResponse(responseCode = "503", description = "Service stopping (SHUTTING_DOWN), store not ready "
            + "(STORE_NOT_READY) or Kafka unavailable (KAFKA_UNAVAILABLE); nothing was submitted; see Retry-After",
            content = @Content(schema = @Schema(implementation = ErrorResponse.class)))
    public Uni<MirrorResponse> mirror(MirrorRequest request) {
        if (request == null) {
            throw new MirrorException(Reason.INVALID_REQUEST,
                    "request body is missing: send {\"models\": [\"org/name\"]} as application/json");
        }
        List<JobWork> works = request.toWorks(SubmissionLimits.of(config), artifacts);
        return store.requireReady()
                .chain(() -> jobs.submit(works, request.targetName(), request.tokenNameOrNull(), request.bundleName()))
                .map(accepted -> new MirrorResponse(accepted.stream().map(JobSummaryResponse::of).toList()));
    }
}
