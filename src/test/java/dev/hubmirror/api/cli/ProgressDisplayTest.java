package dev.hubmirror.api.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressDisplayTest {

    private static final long MIB = 1024 * 1024;
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong clock = new AtomicLong(1_000 * SECOND);
    private final StringWriter written = new StringWriter();
    private final MirrorTally tally = new MirrorTally();

    private ProgressDisplay display(ProgressDisplay.Mode mode) {
        return new ProgressDisplay(new PrintWriter(written, true), mode, clock::get, "model org/name@main", tally);
    }

    @Test
    void theTerminalStatusLineShowsFilesBytesPercentRateAndEta() {
        // Given 100 MiB planned, 10 MiB of it already in the store, then 20 MiB fetched in 2 seconds
        ProgressDisplay display = display(ProgressDisplay.Mode.TERMINAL);
        tally.planned("c0ffee", 4, 100 * MIB);
        tally.fileDone("skipped.bin", 10 * MIB, true);
        display.tick();
        clock.addAndGet(2 * SECOND);
        tally.transferred(20 * MIB);

        // When
        display.tick();

        // Then: 30 of 100 MiB in place, 10 MiB/s, 70 MiB to go: 7 seconds
        String screen = written.toString();
        assertThat(screen).contains("  = skipped.bin (10.0 MiB, already verified in the store)\n");
        String last = screen.substring(screen.lastIndexOf('\r') + 1);
        assertThat(last).isEqualTo("model org/name@main  1/4 files  30.0 MiB/100.0 MiB  30%  10.0 MiB/s  ETA 0:07"
                + "  elapsed 0:02\u001b[K");
    }

    @Test
    void aFileFinishingClearsTheTerminalStatusLineBeforeItsLineAndFinishRemovesIt() {
        // Given a status line on screen
        ProgressDisplay display = display(ProgressDisplay.Mode.TERMINAL);
        tally.planned("c0ffee", 2, 2 * MIB);
        display.tick();

        // When a file finishes, then the mirror
        tally.transferred(MIB);
        tally.fileDone("config.json", MIB, false);
        display.tick();
        display.finish();

        // Then the file's line starts on a cleared line, and the screen ends on a cleared line
        assertThat(written.toString()).contains("\u001b[K\r\u001b[K  + config.json (1.0 MiB)\n")
                .endsWith("\r\u001b[K");
    }

    @Test
    void plainModePrintsAFileLineAtOnceAndAStatusLineOnlyEveryTenSeconds() {
        // Given
        ProgressDisplay display = display(ProgressDisplay.Mode.PLAIN);
        tally.planned("c0ffee", 3, 3 * MIB);

        // When a file finishes within the first ten seconds, then eleven seconds pass
        tally.transferred(MIB);
        tally.fileDone("a.bin", MIB, false);
        clock.addAndGet(SECOND);
        display.tick();
        String early = written.toString();
        clock.addAndGet(10 * SECOND);
        display.tick();

        // Then
        assertThat(early).isEqualTo("  + a.bin (1.0 MiB)\n");
        assertThat(written.toString()).doesNotContain("\r").doesNotContain("\u001b")
                .endsWith("\n").contains("  progress model org/name@main  1/3 files  1.0 MiB/3.0 MiB  33%");
    }

    @Test
    void noRateAndNoEtaAreShownBeforeTwoSamplesAndAStalledTransferHasNoEta() {
        // Given
        ProgressDisplay display = display(ProgressDisplay.Mode.TERMINAL);
        tally.planned("c0ffee", 1, 10 * MIB);

        // When
        display.tick();
        String first = written.toString();
        clock.addAndGet(SECOND);
        display.tick();

        // Then
        assertThat(first).doesNotContain("/s").doesNotContain("ETA");
        assertThat(written.toString()).endsWith("0 B/s  ETA --:--  elapsed 0:01\u001b[K");
    }

    @Test
    void nothingIsShownBeforeTheRevisionIsResolved() {
        // Given
        ProgressDisplay display = display(ProgressDisplay.Mode.TERMINAL);

        // When
        display.tick();

        // Then
        assertThat(written.toString()).isEmpty();
    }

    @Test
    void sizesAndDurationsReadAsPeopleWriteThem() {
        assertThat(Human.bytes(0)).isEqualTo("0 B");
        assertThat(Human.bytes(1023)).isEqualTo("1023 B");
        assertThat(Human.bytes(1024)).isEqualTo("1.0 KiB");
        assertThat(Human.bytes(5L * 1024 * 1024 * 1024 + 512L * 1024 * 1024)).isEqualTo("5.5 GiB");
        assertThat(Human.duration(java.time.Duration.ofSeconds(9))).isEqualTo("0:09");
        assertThat(Human.duration(java.time.Duration.ofSeconds(3723))).isEqualTo("1:02:03");
    }
}
