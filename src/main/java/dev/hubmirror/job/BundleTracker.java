package dev.hubmirror.job;

import dev.hubmirror.log.LogKeys;
import dev.hubmirror.store.ObjectStore;
import io.smallrye.mutiny.Uni;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Ends bundles: when a job of a bundle has ended, checks whether every job of that bundle is final in the view
 * {@code members} gives (this service's jobs, or the shared Kafka job state), and then writes the bundle manifest to
 * the default store ({@code bundles/<name>.json}) and publishes the one {@code bundle.succeeded} or
 * {@code bundle.failed} event.
 *
 * <p>With Kafka the view is brought up to date ({@code sync}) after the job's outcome was saved and before it is
 * read, so of two jobs that end at once on two replicas, the one saved last sees both final: no bundle waits for a
 * job that already ended. {@link JobCoordinator} runs the check inside a job's outbox, after the job's event and
 * before the event is noted delivered: a replica that dies in between leaves the outcome unannounced, and the
 * replica that takes the job over announces it again, bundle check included. Ending a bundle twice (two replicas, or
 * a takeover after the event went out) writes the same manifest and publishes the same event (same id).
 */
public final class BundleTracker implements JobListener {

    private static final Logger LOGGER = Logger.getLogger(BundleTracker.class);

    private final Function<String, List<JobSnapshot>> members;
    private final Supplier<Uni<Void>> sync;
    private final ObjectStore store;
    private final BundleEvents events;
    /** The request whose bundle was last ended (or is being ended) here, by bundle name: once per request here. */
    private final Map<String, String> ended = new ConcurrentHashMap<>();

    /**
     * @param members the jobs of a bundle's latest request, by bundle name
     * @param sync    brings the view {@code members} reads up to date with every write acknowledged before the call
     */
    public BundleTracker(Function<String, List<JobSnapshot>> members, Supplier<Uni<Void>> sync, ObjectStore store,
            BundleEvents events) {
        this.members = members;
        this.sync = sync;
        this.store = store;
        this.events = events;
    }

    /** A tracker over a job service alone (Kafka off), whose view is always up to date. */
    public static BundleTracker local(Function<String, List<JobSnapshot>> members, ObjectStore store,
            BundleEvents events) {
        return new BundleTracker(members, () -> Uni.createFrom().voidItem(), store, events);
    }

    /** As a listener of the job service (Kafka off): checks the bundle of every job that finished here. */
    @Override
    public void finished(Job job) {
        jobEnded(job.snapshot()).subscribe().with(ok -> { }, e -> LOGGER.warnf("bundle could not be ended"
                + LogKeys.BUNDLE + LogKeys.ERROR, job.origin().bundle(), e.getMessage()));
    }

    /**
     * Ends the bundle of {@code job}, which has ended, when every job of the bundle is final; completes at once for a
     * job of no bundle, a bundle with jobs still to end (the last of them ends it) or one a newer request took over.
     * Fails when the manifest or the event could not be written: the coordinator's outbox then tries the job's
     * announcement again (Kafka on); the job service's listener logs it (Kafka off).
     */
    public Uni<Void> jobEnded(JobSnapshot job) {
        String bundle = job.origin().bundle();
        if (bundle == null) {
            return Uni.createFrom().voidItem();
        }
        String requestId = job.origin().requestId();
        return Uni.createFrom().<Void>deferred(sync::get).chain(() -> {
            List<JobSnapshot> jobs = members.apply(bundle);
            BundleManifest manifest = jobs.isEmpty() ? null : BundleManifest.of(bundle, jobs);
            if (manifest == null || !Objects.equals(manifest.requestId(), requestId) || !manifest.done()) {
                return Uni.createFrom().voidItem();
            }
            // two jobs that end here at once may both find the bundle done: the first claims it; a claim whose end
            // failed is given up, so that the next attempt ends the bundle
            if (requestId != null && requestId.equals(ended.put(bundle, requestId))) {
                return Uni.createFrom().voidItem();
            }
            return end(manifest).onFailure().invoke(() -> {
                if (requestId != null) {
                    ended.remove(bundle, requestId);
                }
            });
        });
    }

    /** Writes the manifest, then publishes the event (the manifest is there when the event is read). */
    Uni<Void> end(BundleManifest manifest) {
        byte[] json = manifest.toJson();
        return store.put(BundleManifest.key(manifest.bundle()), ByteBuffer.wrap(json), Map.of())
                .chain(() -> events.publish(manifest))
                .invoke(() -> LOGGER.infof("bundle %s" + LogKeys.BUNDLE + LogKeys.REQUEST + LogKeys.JOBS + LogKeys.URL,
                        manifest.status().equals("SUCCEEDED") ? "succeeded" : "failed", manifest.bundle(),
                        manifest.requestId(), manifest.items().size(), store.url(BundleManifest.key(manifest.bundle()))));
    }
}
