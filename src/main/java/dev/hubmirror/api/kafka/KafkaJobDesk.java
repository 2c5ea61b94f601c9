package dev.hubmirror.api.kafka;

import dev.hubmirror.api.rest.ChartRequest;
import dev.hubmirror.api.rest.RepoRequest;
import dev.hubmirror.api.rest.SubmissionLimits;
import dev.hubmirror.api.rest.WorkFields;
import dev.hubmirror.config.JobConfig;
import dev.hubmirror.config.KafkaConfig;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.job.ArtifactMirror;
import dev.hubmirror.job.ArtifactSpec;
import dev.hubmirror.job.ArtifactWork;
import dev.hubmirror.job.JobDesk;
import dev.hubmirror.job.JobFootprint;
import dev.hubmirror.job.JobOrder;
import dev.hubmirror.job.JobRecord;
import dev.hubmirror.job.JobService;
import dev.hubmirror.job.JobSnapshot;
import dev.hubmirror.job.JobStatus;
import dev.hubmirror.job.JobRunners;
import dev.hubmirror.job.JobWork;
import dev.hubmirror.job.SnapshotWork;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The {@link JobDesk} with Kafka on: a submission becomes a request on the requests topic (with a fresh request id),
 * so that any replica may run its jobs; reads come from the job-state view every replica keeps, so every replica
 * answers the same; a cancellation is recorded in the job state and applied by the owner of the job's shard. Writes
 * wait up to {@code mirror.kafka.api-wait} for their effect to show in this replica's view, then answer what it shows.
 */
public final class KafkaJobDesk implements JobDesk {

    private static final Duration POLL_FIRST = Duration.ofMillis(20);
    private static final Duration POLL_MAX = Duration.ofMillis(250);

    private final KafkaJobs jobs;
    private final RequestProducer requests;
    private final JobRunners runners;
    private final KafkaConfig config;
    private final JobConfig jobConfig;
    private final KafkaReadinessCheck kafka;
    private final ArtifactMirror artifacts;

    public KafkaJobDesk(KafkaJobs jobs, RequestProducer requests, JobRunners runners, KafkaConfig config,
            JobConfig jobConfig, KafkaReadinessCheck kafka) {
        this(jobs, requests, runners, config, jobConfig, kafka, ArtifactMirror.NONE);
    }

    public KafkaJobDesk(KafkaJobs jobs, RequestProducer requests, JobRunners runners, KafkaConfig config,
            JobConfig jobConfig, KafkaReadinessCheck kafka, ArtifactMirror artifacts) {
        this.artifacts = artifacts;
        this.jobs = jobs;
        this.requests = requests;
        this.runners = runners;
        this.config = config;
        this.jobConfig = jobConfig;
        this.kafka = kafka;
    }

    /**
     * Refused at once with {@link Reason#KAFKA_UNAVAILABLE} while the Kafka check is DOWN (broker away, topic
     * missing), or after {@code mirror.kafka.send-timeout} when the broker does not acknowledge the request; with
     * {@link Reason#TOO_MANY_JOBS} when the shared job state keeps {@code mirror.jobs.max-retained*} already.
     */
    @Override
    public Uni<List<JobSnapshot>> submit(List<? extends JobWork> works, String target, String tokenName,
            String bundle) {
        return Uni.createFrom().deferred(() -> {
            if (works == null || works.isEmpty()) {
                throw new MirrorException(Reason.INVALID_REQUEST, "nothing to mirror: name at least one repo");
            }
            MirrorRequestMessage request = new MirrorRequestMessage(UUID.randomUUID().toString(),
                    config.restRequester(), null, works.stream().filter(SnapshotWork.class::isInstance)
                            .map(KafkaJobDesk::repo).toList(), target, tokenName, images(works), charts(works),
                    platforms(works), bundle);
            Instant now = Instant.now();
            List<JobOrder> orders = request.toOrders(SubmissionLimits.of(jobConfig), runners, artifacts, now);
            long needed = orders.stream().mapToLong(o -> JobFootprint.of(JobSnapshot.queued(o))).sum();
            jobs.store().retained().checkRoomFor(orders.size(), needed, jobConfig, now);
            return kafka.requireAvailable()
                    .chain(() -> send(request))
                    .chain(() -> until(() -> orders.stream().allMatch(o -> jobs.store().find(o.id()).isPresent())))
                    .map(visible -> orders.stream()
                            .map(o -> jobs.store().find(o.id()).map(JobRecord::job)
                                    .orElseGet(() -> JobSnapshot.queued(o)))
                            .toList());
        });
    }

    /** Sends the request, bounded by {@code mirror.kafka.send-timeout}; any failure to send is a 503. */
    private Uni<Void> send(MirrorRequestMessage request) {
        String topic = config.topics().requests();
        return Uni.createFrom().deferred(() -> requests.send(request))
                .ifNoItem().after(config.sendTimeout()).failWith(() -> kafka.unavailable("the broker did not "
                        + "acknowledge the request on topic " + topic + " within " + config.sendTimeout()
                        + " (mirror.kafka.send-timeout)"))
                .onFailure(e -> !(e instanceof MirrorException)).transform(e -> kafka.unavailable("sending to topic "
                        + topic + " failed (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")"));
    }

    @Override
    public JobSnapshot get(String id) {
        return jobs.store().find(id == null ? "" : id).map(JobRecord::job).orElseThrow(() -> notFound(id));
    }

    @Override
    public List<JobSnapshot> bundle(String name) {
        return JobService.latestOfBundle(jobs.store().list(Optional.empty(), Integer.MAX_VALUE).stream()
                .map(JobRecord::job).toList(), name);
    }

    @Override
    public List<JobSnapshot> list(Optional<JobStatus> status, int limit) {
        return jobs.store().list(status, limit).stream().map(JobRecord::job).toList();
    }

    @Override
    public Uni<JobSnapshot> cancel(String id) {
        return Uni.createFrom().deferred(() -> {
            JobSnapshot job = get(id);
            if (job.status().finished()) {
                return Uni.createFrom().failure(new MirrorException(Reason.JOB_FINISHED, "job " + id + " ("
                        + job.work().describe() + ") already " + job.status() + ": nothing to cancel"));
            }
            return kafka.requireAvailable()
                    .chain(() -> jobs.store().requestCancel(id))
                    .chain(() -> until(() -> get(id).status().finished()))
                    .map(done -> get(id));
        });
    }

    /** Completes with true once {@code condition} holds, or with false after {@code mirror.kafka.api-wait}. */
    private Uni<Boolean> until(BooleanSupplier condition) {
        long deadline = System.currentTimeMillis() + config.apiWait().toMillis();
        return Uni.createFrom().item(condition::getAsBoolean)
                .invoke(met -> {
                    if (!met) {
                        throw new IllegalStateException("not yet");
                    }
                })
                .onFailure().retry().withBackOff(POLL_FIRST, POLL_MAX).expireAt(deadline)
                .onFailure().recoverWithItem(false);
    }

    /** The request entry of a work (a new kind of job adds its request field here). */
    /** The images among {@code works} as a request names them; {@code null} for none. */
    private static List<String> images(List<? extends JobWork> works) {
        List<String> images = artifacts(works, ArtifactSpec.Kind.IMAGE).map(ArtifactSpec::source).toList();
        return images.isEmpty() ? null : images;
    }

    /** The platforms the images were asked with (one list for the request); {@code null} for every platform. */
    private static List<String> platforms(List<? extends JobWork> works) {
        return artifacts(works, ArtifactSpec.Kind.IMAGE).map(ArtifactSpec::platforms).filter(p -> !p.isEmpty())
                .findFirst().orElse(null);
    }

    /** The charts among {@code works} as a request names them; {@code null} for none. */
    private static List<ChartRequest> charts(List<? extends JobWork> works) {
        List<ChartRequest> charts = artifacts(works, ArtifactSpec.Kind.CHART)
                .map(a -> a.classic() ? ChartRequest.classic(a.source(), a.chart(), a.version())
                        : ChartRequest.of(a.source()))
                .toList();
        return charts.isEmpty() ? null : charts;
    }

    private static Stream<ArtifactSpec> artifacts(List<? extends JobWork> works, ArtifactSpec.Kind kind) {
        return works.stream().filter(ArtifactWork.class::isInstance).map(w -> ((ArtifactWork) w).spec())
                .filter(a -> a.kind() == kind);
    }

    private static RepoRequest repo(JobWork work) {
        WorkFields fields = WorkFields.of(work);
        return new RepoRequest(fields.repo(), fields.type(), fields.revision(), fields.include(), fields.exclude());
    }

    private MirrorException notFound(String id) {
        String shown = id == null ? "" : id.length() > 80 ? id.substring(0, 80) + "..." : id;
        return new MirrorException(Reason.JOB_NOT_FOUND, "no job '" + shown.replaceAll("\\p{Cntrl}", "?")
                + "': unknown id, or it finished more than " + jobConfig.retention() + " ago and was forgotten");
    }
}
