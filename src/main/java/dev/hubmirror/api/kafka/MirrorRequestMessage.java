package dev.hubmirror.api.kafka;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.hubmirror.api.rest.ChartRequest;
import dev.hubmirror.api.rest.MirrorRequest;
import dev.hubmirror.api.rest.RepoRequest;
import dev.hubmirror.api.rest.SubmissionLimits;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.job.ArtifactMirror;
import dev.hubmirror.job.JobCoordinator;
import dev.hubmirror.job.JobOrder;
import dev.hubmirror.job.JobOrigin;
import dev.hubmirror.job.JobRunners;
import dev.hubmirror.job.JobWork;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A mirror request on the requests topic: the same model list as the REST API ({@code models}, {@code repos}), an
 * idempotency key, who asks, and optionally a configured target store and a configured token, both by name. Unknown
 * fields are ignored; a {@code token} field in particular is never read.
 *
 * @param requestId the idempotency key: a request delivered again with the same id runs once
 * @param requester who asks (a team, a pipeline); free text, recorded in job state and events
 * @param models    model ids, optionally {@code @revision}
 * @param repos     repos of any type, with revision and patterns
 * @param target    a configured target store's name ({@code mirror.targets.<name>}); absent: the default store
 * @param tokenName a configured token's name ({@code mirror.tokens.<name>}); absent: the default token
 * @param images    container images, copied to the target registry
 * @param charts    Helm charts (OCI references or classic repositories' charts), pushed to the target registry
 * @param platforms the platforms to keep of image indexes; absent: every platform
 * @param bundle    a bundle name grouping the request's jobs: one bundle event when all are final
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MirrorRequestMessage(
        String requestId,
        String requester,
        List<String> models,
        List<RepoRequest> repos,
        String target,
        String tokenName,
        List<String> images,
        List<ChartRequest> charts,
        List<String> platforms,
        String bundle) {

    /** A request of Hub repos only. */
    public MirrorRequestMessage(String requestId, String requester, List<String> models, List<RepoRequest> repos,
            String target, String tokenName) {
        this(requestId, requester, models, repos, target, tokenName, null, null, null, null);
    }

    /** Request ids and requesters: printable, no control characters, bounded. */
    private static final Pattern NAME = Pattern.compile("[\\p{Graph} ]{1,200}");

    /**
     * Validates the request and returns one order per job, models first, in request order; job ids are derived from
     * the request id, so a redelivered request yields the same orders.
     *
     * @throws MirrorException {@link Reason#INVALID_REQUEST} naming what is wrong
     */
    public List<JobOrder> toOrders(SubmissionLimits limits, JobRunners runners, Instant acceptedAt) {
        return toOrders(limits, runners, ArtifactMirror.NONE, acceptedAt);
    }

    /**
     * As {@link #toOrders(SubmissionLimits, JobRunners, Instant)}, images and charts included (mapped to the target
     * registry by {@code artifacts}); every order names the bundle and its size.
     */
    public List<JobOrder> toOrders(SubmissionLimits limits, JobRunners runners, ArtifactMirror artifacts,
            Instant acceptedAt) {
        if (requestId == null || requestId.isBlank() || !NAME.matcher(requestId).matches()) {
            throw new MirrorException(Reason.INVALID_REQUEST, "requestId is missing or invalid: give a unique, "
                    + "printable id of at most 200 characters (it is the idempotency key)");
        }
        if (requester != null && !NAME.matcher(requester).matches()) {
            throw new MirrorException(Reason.INVALID_REQUEST, "request " + requestId
                    + ": requester must be printable text of at most 200 characters");
        }
        List<JobWork> works;
        MirrorRequest asked = new MirrorRequest(models, repos, target, tokenName, images, charts, platforms, bundle);
        try {
            works = asked.toWorks(limits, artifacts);
            for (JobWork work : works) {
                runners.check(work, work.targetIn(blankToNull(target)), blankToNull(tokenName));
            }
        } catch (MirrorException e) {
            throw new MirrorException(e.reason(), "request " + requestId + ": " + e.getMessage());
        }
        String bundleName = asked.bundleName();
        JobOrigin origin = new JobOrigin(requestId, requester, bundleName, bundleName == null ? 0 : works.size());
        List<JobOrder> orders = new ArrayList<>(works.size());
        for (int i = 0; i < works.size(); i++) {
            JobWork work = works.get(i);
            orders.add(new JobOrder(JobCoordinator.jobId(requestId, i), work, work.targetIn(blankToNull(target)),
                    blankToNull(tokenName), origin, acceptedAt, null, -1));
        }
        return orders;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
