package dev.hubmirror.bootstrap;

import static dev.hubmirror.log.LogKeys.TARGETS;
import static dev.hubmirror.log.LogKeys.TOKENS;

import dev.hubmirror.api.kafka.EventProducer;
import dev.hubmirror.api.kafka.KafkaJobDesk;
import dev.hubmirror.api.kafka.KafkaJobs;
import dev.hubmirror.api.kafka.KafkaReadinessCheck;
import dev.hubmirror.api.kafka.RequestProducer;
import dev.hubmirror.config.JobConfig;
import dev.hubmirror.config.KafkaConfig;
import dev.hubmirror.config.StoreConfig;
import dev.hubmirror.config.TargetConfig;
import dev.hubmirror.config.TokenConfig;
import dev.hubmirror.config.TransferConfig;
import dev.hubmirror.config.VerifyConfig;
import dev.hubmirror.hub.HubClient;
import dev.hubmirror.job.ArtifactMirror;
import dev.hubmirror.job.ArtifactRunner;
import dev.hubmirror.job.BundleEvents;
import dev.hubmirror.job.BundleTracker;
import dev.hubmirror.job.JobDesk;
import dev.hubmirror.job.JobRunners;
import dev.hubmirror.job.JobService;
import dev.hubmirror.job.LocalJobDesk;
import dev.hubmirror.job.SnapshotMirrors;
import dev.hubmirror.job.SnapshotRunner;
import dev.hubmirror.job.SnapshotVerifiers;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.StoreSettings;
import dev.hubmirror.memory.BufferPool;
import dev.hubmirror.transfer.SnapshotMirror;
import dev.hubmirror.transfer.SnapshotVerifier;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * Wires jobs: the mirrors per target and token name, and the {@link JobDesk} the API uses — the local job service
 * with Kafka off, the Kafka requests topic and shared job state with Kafka on.
 */
@Singleton
public class JobProducers {

    private static final Logger LOGGER = Logger.getLogger(JobProducers.class);

    /** The stores of the configured targets, built once: their mirrors and verifiers share them. */
    @Produces
    @Singleton
    TargetStores targetStores(StoreConfig storeConfig, TargetConfig targetConfig, StoreSettings stores) {
        Map<String, TargetStores.Target> targets = new HashMap<>();
        targetConfig.targets().forEach((name, target) -> targets.put(name, new TargetStores.Target(
                ServiceProducers.objectStore(target.url(), "mirror.targets." + name + ".url", stores),
                target.blobs().orElse(storeConfig.blobs()))));
        return new TargetStores(targets);
    }

    void closeTargetStores(@Disposes TargetStores stores) throws Exception {
        stores.close();
    }

    @Produces
    @Singleton
    SnapshotMirrors snapshotMirrors(SnapshotMirror defaultMirror, HubClient hub, ObjectStore defaultStore,
            StoreConfig storeConfig, TargetStores targets, TokenConfig tokenConfig, BufferPool budget,
            TransferConfig transfer, JobConfig jobs, MeterRegistry registry) {
        Map<String, String> tokens = new HashMap<>();
        tokenConfig.tokens().forEach((name, token) -> {
            if (!token.isBlank()) {
                tokens.put(name, token);
            }
        });
        LOGGER.infof("jobs configured" + TARGETS + TOKENS, targets.byName().keySet(), tokens.keySet());
        return new TargetMirrors(defaultMirror, hub, new TargetStores.Target(defaultStore, storeConfig.blobs()),
                targets, tokens, budget, transfer, ServiceProducers.limits(jobs), registry);
    }

    /** A verifier per store a job can write to: the default store's and each target's. */
    @Produces
    @Singleton
    SnapshotVerifiers snapshotVerifiers(SnapshotVerifier defaultVerifier, TargetStores targets, VerifyConfig config) {
        Map<String, SnapshotVerifier> named = new HashMap<>();
        targets.byName().forEach((name, target) -> named.put(name,
                new SnapshotVerifier(target.store(), config.concurrency(), config.maxListed())));
        return new SnapshotVerifiers(defaultVerifier, named);
    }

    /** The runner of every kind of job: a new kind of job registers its runner here. */
    @Produces
    @Singleton
    JobRunners jobRunners(SnapshotMirrors mirrors, ArtifactMirror artifacts) {
        return JobRunners.of(new SnapshotRunner(mirrors), new ArtifactRunner(artifacts));
    }

    @Produces
    @Singleton
    JobDesk jobDesk(KafkaConfig kafka, JobService service, Instance<KafkaJobs> kafkaJobs,
            Instance<RequestProducer> requests, JobRunners runners, JobConfig jobConfig,
            @Readiness Instance<KafkaReadinessCheck> kafkaCheck, ArtifactMirror artifacts) {
        if (kafka.enabled()) {
            return new KafkaJobDesk(kafkaJobs.get(), requests.get(), runners, kafka, jobConfig, kafkaCheck.get(),
                    artifacts);
        }
        return new LocalJobDesk(service);
    }

    /**
     * Ends bundles, once every job of a bundle is final in the desk's view: writes its manifest to the default store
     * and publishes its event (on Kafka's events topic when Kafka is on). With Kafka the coordinator runs it in each
     * job's outbox, after syncing the shared job state; without, it hears every job the service finishes.
     */
    @Produces
    @Singleton
    BundleTracker bundleTracker(KafkaConfig kafka, Instance<JobDesk> desk, Instance<KafkaJobs> kafkaJobs,
            ObjectStore store, Instance<EventProducer> events) {
        if (kafka.enabled()) {
            return new BundleTracker(name -> desk.get().bundle(name), () -> kafkaJobs.get().store().sync(), store,
                    events.get());
        }
        return BundleTracker.local(name -> desk.get().bundle(name), store, BundleEvents.NONE);
    }

    void trackBundles(@Observes StartupEvent event, JobService service, KafkaConfig kafka, BundleTracker bundles) {
        if (!kafka.enabled()) {
            service.also(bundles);
        }
    }
}
