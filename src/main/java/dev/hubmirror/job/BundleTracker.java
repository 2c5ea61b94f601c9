package dev.hubmirror.job;

import dev.hubmirror.log.LogKeys;
import dev.hubmirror.store.ObjectStore;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Ends bundles: when a job of a bundle becomes final here, checks whether every job of that bundle is final (in the
 * view {@code members} gives: this service's jobs, or the shared Kafka job state), and then writes the bundle manifest
 * to the default store ({@code bundles/<name>.json}) and publishes the one {@code bundle.succeeded} or
 * {@code bundle.failed} event. With Kafka, another replica's last job may reach this replica's view a moment later: the
 * check is repeated every {@link #RECHECK_MILLIS} ms for up to {@link #RECHECK_LIMIT} times. Two replicas that finish
 * the last two jobs at once may both end the bundle: the manifest is the same and the event has the same id.
 */
public final class BundleTracker implements JobListener {

    private static final Logger LOGGER = Logger.getLogger(BundleTracker.class);
    static final long RECHECK_MILLIS = 500;
    static final int RECHECK_LIMIT = 120;

    private final Function<String, List<JobSnapshot>> members;
    private final ObjectStore store;
    private final BundleEvents events;
    private final Vertx vertx;
    /** Bundles being checked, by name: one check loop per bundle at a time. */
    private final Set<String> checking = ConcurrentHashMap.newKeySet();
    /** The request whose bundle was last ended, by bundle name (so it is ended once per request here). */
    private final Map<String, String> ended = new ConcurrentHashMap<>();

    public BundleTracker(Function<String, List<JobSnapshot>> members, ObjectStore store, BundleEvents events,
            Vertx vertx) {
        this.members = members;
        this.store = store;
        this.events = events;
        this.vertx = vertx;
    }

    @Override
    public void finished(Job job) {
        String bundle = job.origin().bundle();
        if (bundle != null && checking.add(bundle)) {
            check(bundle, job.origin().requestId(), 0);
        }
    }

    private void check(String bundle, String requestId, int attempt) {
        List<JobSnapshot> jobs = members.apply(bundle);
        BundleManifest manifest = jobs.isEmpty() ? null : BundleManifest.of(bundle, jobs);
        boolean ours = manifest != null && java.util.Objects.equals(manifest.requestId(), requestId);
        if (ours && manifest.done()) {
            if (requestId != null && requestId.equals(ended.put(bundle, requestId))) {
                checking.remove(bundle);
                return;
            }
            end(manifest).subscribe().with(ok -> checking.remove(bundle), e -> {
                checking.remove(bundle);
                LOGGER.warnf("bundle could not be ended" + LogKeys.BUNDLE + LogKeys.ERROR, bundle, e.getMessage());
            });
            return;
        }
        if (!ours || attempt >= RECHECK_LIMIT) {
            // a newer request took the name, or this replica's view never completed: another replica ends it
            checking.remove(bundle);
            return;
        }
        vertx.setTimer(RECHECK_MILLIS, id -> check(bundle, requestId, attempt + 1));
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
