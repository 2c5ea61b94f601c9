package dev.hubmirror.api.kafka;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.hubmirror.api.rest.WorkFields;
import dev.hubmirror.job.ArtifactSpec;
import dev.hubmirror.job.JobOrder;
import dev.hubmirror.job.JobOrigin;
import dev.hubmirror.job.JobWork;
import java.time.Instant;
import java.util.List;

/**
 * An order to run one job, on the internal job order topic, keyed by {@link dev.hubmirror.job.JobKey#text()} so that
 * identical jobs land on the same partition and thus on the same replica. Internal: its format may change between
 * versions (readers ignore unknown fields).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobOrderMessage(
        String jobId,
        String requestId,
        String requester,
        String repo,
        String type,
        String revision,
        List<String> include,
        List<String> exclude,
        String target,
        String tokenName,
        Instant createdAt,
        ArtifactSpec artifact,
        String bundle,
        int bundleSize) {

    static JobOrderMessage of(JobOrder order) {
        WorkFields work = WorkFields.of(order.work());
        return new JobOrderMessage(order.id(), order.origin().requestId(), order.origin().requester(), work.repo(),
                work.type(), work.revision(), work.include(), work.exclude(), order.target(), order.tokenName(),
                order.createdAt(), work.artifact(), order.origin().bundle(), order.origin().bundleSize());
    }

    /** The order, read from {@code shard} (the partition it was read from). */
    JobOrder toOrder(int shard) {
        JobWork work = new WorkFields(repo, type, revision, include, exclude, artifact).toWork();
        return new JobOrder(jobId, work, target, tokenName, new JobOrigin(requestId, requester, bundle, bundleSize),
                createdAt, null, shard);
    }
}
