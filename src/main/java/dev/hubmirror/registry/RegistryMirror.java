package dev.hubmirror.registry;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.memory.BufferPool;
import io.netty.buffer.Unpooled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * The engine for images and charts: copies an image, an index (every platform, or those asked for) or an OCI Helm
 * chart from a source registry to the target ({@link ImageCopy}, {@link BlobCopy}), pushes a chart of a classic Helm
 * repository as an OCI chart ({@link HelmCharts}), and checks what the target holds ({@link #verify}). Blob bytes live
 * only in buffers of the shared {@link BufferPool} (the memory budget); manifests, Helm indexes and chart archives are
 * small and bounded by their own settings. Thread-safe; one instance serves every job.
 */
public final class RegistryMirror {

    private final RegistryClient client;
    private final BufferPool pool;
    private final Executor hashing;
    private final RegistryObserver observer;
    private final MountHints hints = new MountHints();
    private final HelmCharts helm;

    /**
     * An engine on {@code client} and the shared budget; large chunks are hashed on {@code hashing} (a worker pool,
     * never an event loop).
     *
     * @throws IllegalArgumentException when a single-PUT blob or two chunks could never fit the budget
     */
    public RegistryMirror(RegistryClient client, BufferPool pool, Executor hashing, RegistryObserver observer) {
        RegistrySettings s = client.settings();
        if (pool.footprint(s.singlePutThreshold()) > pool.capacity()) {
            throw new IllegalArgumentException("mirror.registry.single-put-threshold (" + s.singlePutThreshold()
                    + " bytes) is larger than mirror.transfer.memory-budget (" + pool.capacity() + " bytes)");
        }
        if (pool.footprint(s.chunkSize()) * BlobCopy.CHUNKS_PER_BLOB > pool.capacity()) {
            throw new IllegalArgumentException("two chunks of mirror.registry.chunk-size (" + s.chunkSize()
                    + " bytes) do not fit mirror.transfer.memory-budget (" + pool.capacity() + " bytes)");
        }
        this.client = client;
        this.pool = pool;
        this.hashing = hashing;
        this.observer = observer;
        this.helm = new HelmCharts(this);
    }

    /** An engine hashing on Mutiny's default worker pool (Quarkus' worker pool in the service). */
    public RegistryMirror(RegistryClient client, BufferPool pool, RegistryObserver observer) {
        this(client, pool, Infrastructure.getDefaultWorkerPool(), observer);
    }

    RegistryClient client() {
        return client;
    }

    BufferPool pool() {
        return pool;
    }

    RegistrySettings settings() {
        return client.settings();
    }

    Executor hashing() {
        return hashing;
    }

    RegistryObserver observer() {
        return observer;
    }

    MountHints hints() {
        return hints;
    }

    /**
     * Copies {@code source} to {@code target} (same tag or digest, see {@link RepositoryMapping}); an index with every
     * platform unless {@code platforms} names some. {@code chart}: the image is a Helm chart (a missing one is
     * {@code CHART_NOT_FOUND}). Fails with a {@link MirrorException}; nothing is tagged then.
     */
    public Uni<ImageCopyResult> copy(ImageReference source, ImageReference target, List<Platform> platforms,
            boolean chart, CopyProgress progress) {
        return Uni.createFrom().deferred(() -> new ImageCopy(this, source, target, platforms, chart, progress).run());
    }

    /**
     * Pushes chart {@code name} {@code version} of the classic Helm repository at {@code repository} (the URL its
     * {@code index.yaml} is under) to {@code target} as an OCI chart with Helm's media types.
     */
    public Uni<ImageCopyResult> copyClassicChart(URI repository, String name, String version, ImageReference target,
            CopyProgress progress) {
        return Uni.createFrom().deferred(() -> helm.copy(repository, name, version, target, progress));
    }

    /**
     * Writes a blob held in memory (a chart's config or archive) to the target unless it is there already; the
     * registry checks the digest.
     */
    Uni<RegistryObserver.BlobOutcome> pushBytes(ImageReference target, Descriptor blob, byte[] bytes) {
        return client.blobSize(target.registry(), target.repository(), blob.digest()).chain(existing -> {
            if (existing.isPresent()) {
                return Uni.createFrom().item(RegistryObserver.BlobOutcome.SKIPPED);
            }
            return client.startUpload(target.registry(), target.repository(), blob.digest(), Optional.empty())
                    .chain(start -> client.finishUpload(target.registry(), target.repository(), blob.digest(),
                            start.location(), bytes.length, () -> Unpooled.wrappedBuffer(bytes)))
                    .replaceWith(RegistryObserver.BlobOutcome.COPIED);
        }).invoke(outcome -> {
            hints.seen(blob.digest(), target.repository());
            observer.blob(target.registry(), outcome, blob.size());
        });
    }

    /**
     * Whether {@code reference} is complete in its registry: the manifest (with {@code expected} as its digest, when
     * given), every child manifest of an index, every blob with its size. Never fails for what it finds missing;
     * fails for a registry that cannot be reached or refuses access.
     */
    public Uni<ImageVerification> verify(ImageReference reference, Optional<Digest> expected) {
        String registry = reference.registry();
        String repository = reference.repository();
        return client.manifestIfPresent(registry, repository, reference.reference()).chain(found -> {
            if (found.isEmpty()) {
                return Uni.createFrom().item(new ImageVerification(reference, ImageVerification.Status.NOT_MIRRORED,
                        null, 1, 0, 0, 0, List.of("manifest " + reference.reference()), List.of()));
            }
            Manifest top = found.get();
            List<String> wrong = new ArrayList<>();
            expected.filter(e -> !e.equals(top.digest())).ifPresent(e -> wrong.add("manifest " + reference.reference()
                    + " is " + top.digest() + ", expected " + e));
            List<String> missing = new ArrayList<>();
            List<Manifest> images = new ArrayList<>();
            Uni<Integer> children;
            if (top.isIndex()) {
                children = Multi.createFrom().iterable(top.children())
                        .onItem().transformToUni(d -> client.manifestIfPresent(registry, repository,
                                d.digest().value()).map(m -> Map.entry(d, m)))
                        .merge(settings().blobsInFlight()).collect().asList().map(entries -> {
                            int present = 0;
                            for (Map.Entry<Descriptor, Optional<Manifest>> e : entries) {
                                if (e.getValue().isEmpty()) {
                                    synchronized (missing) {
                                        missing.add("manifest " + e.getKey().digest());
                                    }
                                } else {
                                    present++;
                                    if (!e.getValue().get().isIndex()) {
                                        images.add(e.getValue().get());
                                    }
                                }
                            }
                            return present;
                        });
            } else {
                images.add(top);
                children = Uni.createFrom().item(0);
            }
            return children.chain(presentChildren -> {
                Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
                images.forEach(m -> m.blobs().stream().filter(d -> !MediaTypes.isForeign(d.mediaType()))
                        .forEach(d -> blobs.putIfAbsent(d.digest(), d)));
                return Multi.createFrom().iterable(blobs.values())
                        .onItem().transformToUni(d -> client.blobSize(registry, repository, d.digest())
                                .map(size -> Map.entry(d, size)))
                        .merge(settings().blobsInFlight()).collect().asList().map(sizes -> {
                            int present = 0;
                            for (Map.Entry<Descriptor, Optional<Long>> e : sizes) {
                                Descriptor d = e.getKey();
                                if (e.getValue().isEmpty()) {
                                    missing.add("blob " + d.digest());
                                } else if (e.getValue().get() >= 0 && e.getValue().get() != d.size()) {
                                    wrong.add("blob " + d.digest() + " has " + e.getValue().get() + " bytes, its "
                                            + "manifest lists " + d.size());
                                } else {
                                    present++;
                                }
                            }
                            int expectedManifests = 1 + top.children().size();
                            ImageVerification.Status status = missing.isEmpty() && wrong.isEmpty()
                                    ? ImageVerification.Status.COMPLETE : ImageVerification.Status.INCOMPLETE;
                            return new ImageVerification(reference, status, top.digest(), expectedManifests,
                                    1 + presentChildren, blobs.size(), present, missing, wrong);
                        });
            });
        });
    }
}
