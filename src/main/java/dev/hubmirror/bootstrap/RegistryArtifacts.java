package dev.hubmirror.bootstrap;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.job.ArtifactMirror;
import dev.hubmirror.job.ArtifactOutcome;
import dev.hubmirror.job.ArtifactSpec;
import dev.hubmirror.metrics.MetricNames;
import dev.hubmirror.metrics.MicrometerRegistryObserver;
import dev.hubmirror.registry.CopyProgress;
import dev.hubmirror.registry.Digest;
import dev.hubmirror.registry.ImageCopyResult;
import dev.hubmirror.registry.ImageReference;
import dev.hubmirror.registry.ImageVerification;
import dev.hubmirror.registry.Platform;
import dev.hubmirror.registry.RegistryMirror;
import dev.hubmirror.registry.RegistryObserver;
import dev.hubmirror.registry.RepositoryMapping;
import dev.hubmirror.transfer.MirrorProgress;
import io.smallrye.mutiny.Uni;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * Image and chart jobs on the registry engine: references parsed and mapped to the target
 * ({@link RepositoryMapping}), copies run by {@link RegistryMirror}, their progress told to the job as blobs (files)
 * and bytes, their outcome counted in {@code hubmirror_registry_copies_total}.
 */
public final class RegistryArtifacts implements ArtifactMirror {

    private final RegistryMirror mirror;
    private final RepositoryMapping mapping;
    private final MicrometerRegistryObserver metrics;

    public RegistryArtifacts(RegistryMirror mirror, RepositoryMapping mapping, MicrometerRegistryObserver metrics) {
        this.mirror = mirror;
        this.mapping = mapping;
        this.metrics = metrics;
    }

    @Override
    public String targetOf(ArtifactSpec.Kind kind, String source, String chart, String version) {
        if (chart != null) {
            if (!version.matches("[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}")) {
                throw new IllegalArgumentException("chart version '" + version + "' is not a valid version");
            }
            return mapping.classicChart(chart, RepositoryMapping.chartTag(version)).toString();
        }
        ImageReference ref = ImageReference.parse(source);
        return mapping.target(ref).toString();
    }

    @Override
    public String mapping() {
        return mapping.describe();
    }

    @Override
    public Uni<ArtifactOutcome> mirror(ArtifactSpec spec, MirrorProgress progress) {
        CopyProgress copy = new CopyProgress() {
            @Override
            public void planned(int blobs, long bytes) {
                progress.planned(null, blobs, bytes);
            }

            @Override
            public void transferred(long bytes) {
                progress.transferred(bytes);
            }

            @Override
            public void blobDone(Digest digest, long size, RegistryObserver.BlobOutcome outcome) {
                progress.fileDone(digest.value(), size, outcome != RegistryObserver.BlobOutcome.COPIED);
            }
        };
        ImageReference target = ImageReference.parse(spec.target());
        boolean chart = spec.kind() == ArtifactSpec.Kind.CHART;
        Uni<ImageCopyResult> run = spec.classic()
                ? mirror.copyClassicChart(URI.create(spec.source()), spec.chart(), spec.version(), target, copy)
                : mirror.copy(ImageReference.parse(spec.source()), target, spec.platforms().stream()
                        .map(Platform::parse).toList(), chart, copy);
        String kind = spec.kind().singular();
        return run.map(RegistryArtifacts::outcome)
                .invoke(() -> metrics.copyEnded(kind, MetricNames.OUTCOME_SUCCEEDED, null))
                .onFailure().invoke(e -> metrics.copyEnded(kind, MetricNames.OUTCOME_FAILED,
                        MirrorException.of(e).reason()))
                .onCancellation().invoke(() -> metrics.copyEnded(kind, MetricNames.OUTCOME_CANCELLED,
                        Reason.CANCELLED));
    }

    private static ArtifactOutcome outcome(ImageCopyResult r) {
        return new ArtifactOutcome(r.target().toString(), r.targetDigest().value(), r.sourceDigest().value(),
                r.mediaType(), r.platforms().stream().map(Platform::toString).toList(), r.filtered(), r.manifests(),
                r.blobsCopied(), r.blobsMounted(), r.blobsSkipped(), r.bytesCopied());
    }

    /**
     * Verifies what the target holds for {@code reference}: a target reference as it is, a source reference at the
     * place the mapping sends it; with {@code digest}, the manifest must have it.
     *
     * @throws IllegalArgumentException for a malformed reference or digest
     */
    @Override
    public Uni<ImageVerification> verify(String reference, String digest) {
        ImageReference ref = ImageReference.parse(reference);
        ImageReference target = ref.registry().equals(mapping.targetRegistry()) ? ref : mapping.target(ref);
        Optional<Digest> expected = digest == null || digest.isBlank() ? Optional.empty()
                : Optional.of(Digest.parse(digest.toLowerCase(Locale.ROOT)));
        return mirror.verify(target, expected);
    }
}
