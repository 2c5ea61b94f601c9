package dev.hubmirror.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The network settings: how rates and latencies are written, and what each setting schedules. */
class SimNetworkTest {

    /** Records what would be scheduled, runs nothing. */
    private static final class Recorded implements SimTimers {
        final List<Long> delays = new ArrayList<>();

        @Override
        public void schedule(long delayMillis, Runnable task) {
            delays.add(delayMillis);
        }
    }

    @Test
    void parsesLinkRatesInBinaryAndDecimalUnits() {
        assertThat(SimNetwork.parseRate("60MiB")).isEqualTo(60L << 20);
        assertThat(SimNetwork.parseRate("60M")).isEqualTo(60L << 20);
        assertThat(SimNetwork.parseRate("60mib/s")).isEqualTo(60L << 20);
        assertThat(SimNetwork.parseRate("1.5GiB")).isEqualTo(3L << 29);
        assertThat(SimNetwork.parseRate("500KiB")).isEqualTo(500L << 10);
        assertThat(SimNetwork.parseRate("100MB")).isEqualTo(100_000_000L);
        assertThat(SimNetwork.parseRate("12345")).isEqualTo(12345L);
        assertThat(SimNetwork.parseRate("0")).isZero();
        assertThat(SimNetwork.parseRate("off")).isZero();
        assertThatThrownBy(() -> SimNetwork.parseRate("fast")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("60MiB");
    }

    @Test
    void parsesLatenciesInMillisecondsOrSeconds() {
        assertThat(SimNetwork.parseLatency("40ms")).isEqualTo(Duration.ofMillis(40));
        assertThat(SimNetwork.parseLatency("40")).isEqualTo(Duration.ofMillis(40));
        assertThat(SimNetwork.parseLatency("0.25s")).isEqualTo(Duration.ofMillis(250));
        assertThat(SimNetwork.parseLatency("off")).isZero();
        assertThatThrownBy(() -> SimNetwork.parseLatency("soon")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("40ms");
    }

    @Test
    void isOffByDefaultSoNothingIsDelayedOrScheduled() {
        // Given
        Recorded timers = new Recorded();
        SimNetwork network = new SimNetwork(timers);
        List<String> ran = new ArrayList<>();

        // When
        network.afterLatency(() -> ran.add("answer"));
        network.afterBody(1 << 30, () -> ran.add("body"));

        // Then
        assertThat(ran).containsExactly("answer", "body");
        assertThat(timers.delays).isEmpty();
        assertThat(network.capped()).isFalse();
        assertThat(network.chunkSize(ContentWriter.CHUNK)).isEqualTo(ContentWriter.CHUNK);
    }

    @Test
    void latencyDefersEveryAnswerToATimerOfThatDelay() {
        // Given
        Recorded timers = new Recorded();
        SimNetwork network = new SimNetwork(timers);
        network.set(0, Duration.ofMillis(40));
        List<String> ran = new ArrayList<>();

        // When
        network.afterLatency(() -> ran.add("first"));
        network.afterLatency(() -> ran.add("second"));

        // Then
        assertThat(ran).isEmpty();
        assertThat(timers.delays).containsExactly(40L, 40L);
    }

    @Test
    void aCappedLinkWritesTheBurstNowAndDelaysTheRestRoundedUpToWholeMilliseconds() {
        // Given 1 MiB/s (burst: one paced chunk, 64 KiB) on a frozen clock
        Recorded timers = new Recorded();
        SimNetwork network = new SimNetwork(timers);
        network.useClock(() -> 7_000_000_000L);
        network.set(1 << 20, Duration.ZERO);
        List<String> ran = new ArrayList<>();

        // When
        network.afterBody(SimNetwork.PACED_CHUNK, () -> ran.add("burst"));
        network.afterBody(1000, () -> ran.add("later"));

        // Then 1,000 bytes at 1 MiB/s take 0.95 ms: one whole millisecond
        assertThat(ran).containsExactly("burst");
        assertThat(timers.delays).containsExactly(1L);
        assertThat(network.chunkSize(ContentWriter.CHUNK)).isEqualTo(SimNetwork.PACED_CHUNK);
    }

    @Test
    void refusesNegativeRatesAndSubMillisecondLatencies() {
        SimNetwork network = new SimNetwork(new Recorded());
        assertThatThrownBy(() -> network.set(-1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> network.set(0, Duration.ofNanos(500))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("milliseconds");
        assertThatThrownBy(() -> network.set(0, Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }
}
