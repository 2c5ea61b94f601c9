package dev.hubmirror.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.transfer.MirrorOutcome;
import dev.hubmirror.transfer.MirrorProgress;
import dev.hubmirror.transfer.MirrorSpec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The job meters around a mirror: every way a job ends is counted once, and the running gauge returns to zero. */
class MeteredSnapshotMirrorTest {

    static final MirrorSpec SPEC = new MirrorSpec(RepoRef.model("org/m", "main"));

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    double jobs(String outcome, String reason) {
        var counter = registry.find(MetricNames.JOBS).tag(MetricNames.TAG_OUTCOME, outcome)
                .tag(MetricNames.TAG_REASON, reason).counter();
        return counter == null ? 0 : counter.count();
    }

    double running() {
        return registry.get(MetricNames.JOBS_ACTIVE).gauge().value();
    }

    @Test
    void aSuccessIsCountedAndTimed() {
        // Given
        MeteredSnapshotMirror mirror = new MeteredSnapshotMirror((spec, progress) -> Uni.createFrom()
                .item(new MirrorOutcome("c", "file:///x/", 1, 1, 0, 1)), registry);

        // When
        mirror.mirror(SPEC, MirrorProgress.NONE).await().atMost(Duration.ofSeconds(5));

        // Then
        assertThat(jobs(MetricNames.OUTCOME_SUCCEEDED, MetricNames.REASON_NONE)).isEqualTo(1);
        assertThat(registry.get(MetricNames.JOB_DURATION).tag(MetricNames.TAG_OUTCOME, "succeeded").timer().count())
                .isEqualTo(1);
        assertThat(running()).isZero();
    }

    @Test
    void aFailureIsCountedWithItsReason() {
        // Given
        MeteredSnapshotMirror mirror = new MeteredSnapshotMirror((spec, progress) -> Uni.createFrom()
                .failure(new MirrorException(Reason.GATED_REPO, "gated")), registry);

        // When
        assertThatThrownBy(() -> mirror.mirror(SPEC, MirrorProgress.NONE).await().atMost(Duration.ofSeconds(5)))
                .isInstanceOf(MirrorException.class);

        // Then
        assertThat(jobs(MetricNames.OUTCOME_FAILED, "GATED_REPO")).isEqualTo(1);
        assertThat(jobs(MetricNames.OUTCOME_SUCCEEDED, MetricNames.REASON_NONE)).isZero();
        assertThat(running()).isZero();
    }

    @Test
    void aCancelledJobIsRunningUntilCancelledThenCountedAsCancelled() {
        // Given: a mirror that never ends by itself
        MeteredSnapshotMirror mirror = new MeteredSnapshotMirror((spec, progress) -> Uni.createFrom().nothing(),
                registry);
        Cancellable subscription = mirror.mirror(SPEC, MirrorProgress.NONE).subscribe().with(item -> {
        });
        assertThat(running()).isEqualTo(1);

        // When
        subscription.cancel();

        // Then
        assertThat(running()).isZero();
        assertThat(jobs(MetricNames.OUTCOME_CANCELLED, "CANCELLED")).isEqualTo(1);
    }

    @Test
    void mirrorsOfSeveralTargetsMoveOneRunningGauge() {
        // Given: the default mirror and a named target's mirror on one registry, each with a job that never ends
        MeteredSnapshotMirror first = new MeteredSnapshotMirror((spec, progress) -> Uni.createFrom().nothing(),
                registry);
        MeteredSnapshotMirror second = new MeteredSnapshotMirror((spec, progress) -> Uni.createFrom().nothing(),
                registry);

        // When
        Cancellable one = first.mirror(SPEC, MirrorProgress.NONE).subscribe().with(item -> {
        });
        Cancellable two = second.mirror(SPEC, MirrorProgress.NONE).subscribe().with(item -> {
        });

        // Then
        assertThat(running()).isEqualTo(2);
        one.cancel();
        two.cancel();
        assertThat(running()).isZero();
    }
}
