package dev.hubmirror.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.PriorityQueue;
import org.junit.jupiter.api.Test;

/** The shared link cap as a pure class, driven by a fake clock: what it lets through, and when. */
class TokenBucketTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long MS = 1_000_000L;

    @Test
    void anIdleLinkSendsItsBurstAtOnceThenPacesAtTheRate() {
        // Given 1,000 B/s with 500 bytes of burst
        TokenBucket link = new TokenBucket(1000, 500);

        // When / Then
        assertThat(link.reserve(500, 0)).isZero();
        assertThat(link.reserve(100, 0)).isEqualTo(100 * MS);
        assertThat(link.reserve(100, 0)).isEqualTo(200 * MS);
        assertThat(link.reserve(100, 150 * MS)).isEqualTo(150 * MS);
    }

    @Test
    void parallelCallersShareTheRateInTheOrderTheyBook() {
        // Given one link of 1,000 B/s and no burst, four connections booking 250 bytes each at the same instant
        TokenBucket link = new TokenBucket(1000, 0);

        // When
        long[] delays = new long[4];
        for (int c = 0; c < 4; c++) {
            delays[c] = link.reserve(250, 0);
        }

        // Then together they get the rate, not each of them
        assertThat(delays).containsExactly(250 * MS, 500 * MS, 750 * MS, SECOND);
    }

    @Test
    void creditSavedUpWhileIdleIsCappedAtTheBurst() {
        // Given a link that was idle for 10 s
        TokenBucket link = new TokenBucket(1000, 500);
        assertThat(link.reserve(500, 0)).isZero();

        // When
        long delay = link.reserve(1500, 10 * SECOND);

        // Then only 500 bytes of the 10 s are credited
        assertThat(delay).isEqualTo(SECOND);
    }

    @Test
    void eightPacedStreamsNeverExceedTheRatePlusBurstAndKeepTheLinkBusy() {
        // Given 8 streams that each book a 64 KiB chunk, wait as told, write it and book the next (what the Pump
        // does), on a 10 MiB/s link with 64 KiB burst, simulated on a fake clock
        long rate = 10L << 20;
        long burst = 64 << 10;
        int chunk = 64 << 10;
        TokenBucket link = new TokenBucket(rate, burst);
        PriorityQueue<long[]> due = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
        long start = 5 * SECOND;
        for (int s = 0; s < 8; s++) {
            due.add(new long[] {start + link.reserve(chunk, start), s});
        }
        long written = 0;
        long now = start;

        // When 1,600 chunks (100 MiB) are written
        for (int i = 0; i < 1600; i++) {
            long[] next = due.poll();
            now = next[0];
            written += chunk;
            // Then at every write, the bytes carried so far fit the rate plus the burst
            assertThat(written).isLessThanOrEqualTo(burst + rate * (now - start) / SECOND + 1);
            due.add(new long[] {now + link.reserve(chunk, now), next[1]});
        }

        // Then the link was never idle: the time taken is what the rate allows, to the nanosecond per chunk
        long expected = (written - burst) * SECOND / rate;
        assertThat(now - start).isBetween(expected, expected + 1600);
    }

    @Test
    void worksAcrossTheWrapOfTheNanoTimeScale() {
        // Given a clock reading just before Long.MAX_VALUE (nanoTime has an arbitrary origin)
        TokenBucket link = new TokenBucket(1000, 0);
        long now = Long.MAX_VALUE - 50 * MS;

        // When / Then
        assertThat(link.reserve(100, now)).isEqualTo(100 * MS);
        assertThat(link.reserve(100, now + 100 * MS)).isEqualTo(100 * MS);
    }

    @Test
    void refusesARateOfZeroAndNegativeSizes() {
        assertThatThrownBy(() -> new TokenBucket(0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rate");
        assertThatThrownBy(() -> new TokenBucket(1, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("burst");
        assertThatThrownBy(() -> new TokenBucket(1, 0).reserve(-1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
