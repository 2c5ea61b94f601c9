package dev.hubmirror.api.kafka;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.hubmirror.hub.HfRepoId;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.hub.RepoType;
import dev.hubmirror.job.ArtifactSpec;
import dev.hubmirror.job.JobOrder;
import dev.hubmirror.transfer.MirrorSpec;
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
        if (order.artifact() != null) {
            return new JobOrderMessage(order.id(), order.requestId(), order.requester(), null, null, null, null, null,
                    null, order.tokenName(), order.createdAt(), order.artifact(), order.bundle(), order.bundleSize());
        }
        RepoRef ref = order.spec().ref();
        return new JobOrderMessage(order.id(), order.requestId(), order.requester(), ref.id().id(),
                ref.type().singular(), ref.revision(), order.spec().include(), order.spec().exclude(), order.target(),
                order.tokenName(), order.createdAt(), null, order.bundle(), order.bundleSize());
    }

    /** The order, read from {@code shard} (the partition it was read from). */
    JobOrder toOrder(int shard) {
        MirrorSpec spec = artifact != null ? null
                : new MirrorSpec(new RepoRef(HfRepoId.parse(repo), RepoType.parse(type), revision), include, exclude);
        return new JobOrder(jobId, spec, target, tokenName, requestId, requester, createdAt, null, shard, artifact,
                bundle, bundleSize);
    }
}
