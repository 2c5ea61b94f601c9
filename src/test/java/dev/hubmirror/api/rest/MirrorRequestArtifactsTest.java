package dev.hubmirror.api.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.job.ArtifactMirror;
import dev.hubmirror.job.ArtifactOutcome;
import dev.hubmirror.job.ArtifactSpec;
import dev.hubmirror.job.ArtifactWork;
import dev.hubmirror.job.JobWork;
import dev.hubmirror.job.SnapshotWork;
import dev.hubmirror.registry.ImageReference;
import dev.hubmirror.registry.ImageVerification;
import dev.hubmirror.registry.RepositoryMapping;
import dev.hubmirror.transfer.MirrorProgress;
import io.smallrye.mutiny.Uni;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The images, charts, platforms and bundle of a submission: parsed, mapped, counted against the same limits. */
class MirrorRequestArtifactsTest {

    private static final SubmissionLimits LIMITS = new SubmissionLimits(5, 10, 1024);
    private static final RepositoryMapping MAPPING = new RepositoryMapping("registry.internal:5000", 1, "sie", "charts");

    /** Maps as the service does, runs nothing. */
    private static final ArtifactMirror MAPPED = new ArtifactMirror() {
        @Override
        public String targetOf(ArtifactSpec.Kind kind, String source, String chart, String version) {
            return chart != null ? MAPPING.classicChart(chart, RepositoryMapping.chartTag(version)).toString()
                    : MAPPING.target(ImageReference.parse(source)).toString();
        }

        @Override
        public String mapping() {
            return MAPPING.describe();
        }

        @Override
        public Uni<ArtifactOutcome> mirror(ArtifactSpec spec, MirrorProgress progress) {
            throw new UnsupportedOperationException("not in this test");
        }

        @Override
        public Uni<ImageVerification> verify(String reference, String digest) {
            throw new UnsupportedOperationException("not in this test");
        }
    };

    private static MirrorRequest request(List<String> models, List<String> images, List<ChartRequest> charts,
            List<String> platforms, String bundle) {
        return new MirrorRequest(models, null, null, null, images, charts, platforms, bundle);
    }

    @Test
    void mapsImagesAndChartsInRequestOrderAfterTheRepos() {
        // When
        List<JobWork> work = request(List.of("org/m"), List.of("ghcr.io/superlinked/sie-server:v0.3.1"),
                List.of(ChartRequest.of("oci://ghcr.io/superlinked/charts/sie-cluster:0.3.1"),
                        ChartRequest.classic("https://kedacore.github.io/charts", "keda", "2.14.2+build")),
                List.of("linux/amd64"), "sie-v0.3.1").toWorks(LIMITS, MAPPED);

        // Then
        assertThat(work).hasSize(4);
        assertThat(((SnapshotWork) work.get(0)).ref().id().id()).isEqualTo("org/m");
        ArtifactSpec image = ((ArtifactWork) work.get(1)).spec();
        assertThat(image.kind()).isEqualTo(ArtifactSpec.Kind.IMAGE);
        assertThat(image.target()).isEqualTo("registry.internal:5000/sie/sie-server:v0.3.1");
        assertThat(image.platforms()).containsExactly("linux/amd64");
        assertThat(((ArtifactWork) work.get(2)).spec().target()).isEqualTo("registry.internal:5000/sie/charts/sie-cluster:0.3.1");
        assertThat(((ArtifactWork) work.get(3)).spec().target()).isEqualTo("registry.internal:5000/sie/charts/keda:2.14.2_build");
        assertThat(((ArtifactWork) work.get(3)).spec().subject()).isEqualTo("https://kedacore.github.io/charts keda 2.14.2+build");
    }

    @Test
    void countsImagesAndChartsAgainstTheSameLimitAndNamesEveryBadEntry() {
        assertThatThrownBy(() -> request(List.of("a/a", "b/b"), List.of("x.io/a:1", "x.io/b:1", "x.io/c:1", "x.io/d:1"),
                null, null, null).toWorks(LIMITS, MAPPED)).isInstanceOfSatisfying(MirrorException.class,
                        e -> assertThat(e.getMessage()).contains("too many repos: 6"));
        assertThatThrownBy(() -> request(null, List.of("x.io/UPPER:1", "x.io/ok"), List.of(ChartRequest.of(
                "ghcr.io/not-oci:1"), ChartRequest.classic("file:///etc", "x", "1"), new ChartRequest(null, null,
                        "keda", null)), null, null).toWorks(LIMITS, MAPPED))
                .isInstanceOfSatisfying(MirrorException.class, e -> assertThat(e.getMessage())
                        .contains("images[0]", "images[1]", "charts[0]", "charts[1]", "charts[2]",
                                "nothing was submitted"));
        assertThatThrownBy(() -> request(null, List.of("x.io/a:1"), null, List.of("linux"), null)
                .toWorks(LIMITS, MAPPED)).hasMessageContaining("platforms[0]");
        assertThatThrownBy(() -> request(List.of("a/a"), null, null, List.of("linux/amd64"), null)
                .toWorks(LIMITS, MAPPED)).hasMessageContaining("names no image");
        assertThatThrownBy(() -> request(null, List.of("x.io/a:1"), null, null, "../escape")
                .toWorks(LIMITS, MAPPED)).hasMessageContaining("bundle");
    }

    @Test
    void imagesWithoutATargetRegistryAreRefused() {
        assertThatThrownBy(() -> request(null, List.of("ghcr.io/org/name:1"), null, null, null)
                .toWorks(LIMITS, ArtifactMirror.NONE)).isInstanceOfSatisfying(MirrorException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.INVALID_REQUEST);
                    assertThat(e.getMessage()).contains("mirror.registry.target.url");
                });
    }
}
