package dev.hubmirror.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hubmirror.hub.RepoRef;
import dev.hubmirror.transfer.MirrorProgress;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A job's progress counters, fed through the callbacks the engine calls. */
class JobProgressTest {

    @Test
    void bytesDoneSaturatesAtLongMaxInsteadOfWrappingNegative() {
        // Given: a running job that planned the largest total a long holds
        Job job = new Job(1, new JobOrder("j1", SnapshotWork.of(RepoRef.model("org/m", "main")), null, null, null,
                Instant.now(), null, 0));
        job.markRunning(Instant.now());
        MirrorProgress progress = job.progress();
        progress.planned("c".repeat(40), 3, Long.MAX_VALUE);

        // When: callbacks that together claim more than that (a transferred count and a skipped file's size)
        progress.transferred(Long.MAX_VALUE - 1);
        progress.transferred(5);
        progress.fileDone("skipped.bin", 1L << 62, true);

        // Then
        assertThat(job.bytesDone()).isEqualTo(Long.MAX_VALUE);
        assertThat(job.snapshot().progress().bytesDone()).isEqualTo(Long.MAX_VALUE);
        assertThat(job.filesDone()).isEqualTo(1);
    }
}
