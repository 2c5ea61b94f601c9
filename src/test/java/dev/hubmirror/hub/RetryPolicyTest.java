package dev.hubmirror.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");

    @Test
    void doublesTheStepPerAttemptUpToTheMaximumWithJitterInTheUpperHalf() {
        // Given: jitter pinned to both ends
        RetryPolicy low = new RetryPolicy(6, Duration.ofMillis(100), Duration.ofMillis(1000), () -> 0.0);
        RetryPolicy high = new RetryPolicy(6, Duration.ofMillis(100), Duration.ofMillis(1000), () -> 0.999999);

        // When / Then
        assertThat(low.delay(1, Optional.empty())).isEqualTo(Duration.ofMillis(50));
        assertThat(high.delay(1, Optional.empty())).isBetween(Duration.ofMillis(99), Duration.ofMillis(100));
        assertThat(low.delay(2, Optional.empty())).isEqualTo(Duration.ofMillis(100));
        assertThat(low.delay(3, Optional.empty())).isEqualTo(Duration.ofMillis(200));
        assertThat(high.delay(5, Optional.empty())).isBetween(Duration.ofMillis(999), Duration.ofMillis(1000));
        assertThat(low.delay(60, Optional.empty())).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void honoursTheServerHintCappedByTheMaximum() {
        RetryPolicy policy = new RetryPolicy(6, Duration.ofMillis(100), Duration.ofSeconds(60), () -> 0.5);

        assertThat(policy.delay(1, Optional.of(Duration.ofSeconds(7)))).isEqualTo(Duration.ofSeconds(7));
        assertThat(policy.delay(1, Optional.of(Duration.ofSeconds(3600)))).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void countsAttemptsIncludingTheFirst() {
        RetryPolicy policy = new RetryPolicy(3, Duration.ZERO, Duration.ZERO, () -> 0.5);

        assertThat(policy.mayRetry(1)).isTrue();
        assertThat(policy.mayRetry(2)).isTrue();
        assertThat(policy.mayRetry(3)).isFalse();
    }

    @Test
    void readsRetryAfterAsSecondsOrHttpDate() {
        assertThat(RetryPolicy.serverHint("7", null, NOW)).contains(Duration.ofSeconds(7));
        assertThat(RetryPolicy.serverHint(" 0 ", null, NOW)).contains(Duration.ZERO);
        assertThat(RetryPolicy.serverHint("Wed, 01 Jan 2025 00:00:30 GMT", null, NOW))
                .contains(Duration.ofSeconds(30));
        assertThat(RetryPolicy.serverHint("Tue, 31 Dec 2024 23:00:00 GMT", null, NOW)).contains(Duration.ZERO);
    }

    @Test
    void fallsBackToTheRateLimitResetTime() {
        assertThat(RetryPolicy.serverHint(null, "\"resolvers\";r=0;t=42", NOW)).contains(Duration.ofSeconds(42));
        assertThat(RetryPolicy.serverHint("soon", "\"api\";r=0;t=5", NOW)).contains(Duration.ofSeconds(5));
        assertThat(RetryPolicy.serverHint(null, "\"resolvers\";r=3", NOW)).isEmpty();
        assertThat(RetryPolicy.serverHint("-1", "garbage", NOW)).isEmpty();
        assertThat(RetryPolicy.serverHint(null, null, NOW)).isEmpty();
    }
}
