package dev.hubmirror.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetrySettingsTest {

    private static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");

    @Test
    void doublesTheStepPerAttemptUpToTheMaximumWithJitterInTheUpperHalf() {
        // Given: half of each step random, the random source pinned to both ends
        RetrySettings settings = new RetrySettings(6, Duration.ofMillis(100), Duration.ofMillis(1000), 0.5);

        // When / Then
        assertThat(settings.delay(1, Optional.empty(), () -> 0.0)).isEqualTo(Duration.ofMillis(50));
        assertThat(settings.delay(1, Optional.empty(), () -> 0.999999)).isBetween(Duration.ofMillis(99),
                Duration.ofMillis(100));
        assertThat(settings.delay(2, Optional.empty(), () -> 0.0)).isEqualTo(Duration.ofMillis(100));
        assertThat(settings.delay(3, Optional.empty(), () -> 0.0)).isEqualTo(Duration.ofMillis(200));
        assertThat(settings.delay(5, Optional.empty(), () -> 0.999999)).isBetween(Duration.ofMillis(999),
                Duration.ofMillis(1000));
        assertThat(settings.delay(60, Optional.empty(), () -> 0.0)).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void withoutJitterWaitsExactlyTheStepAndWithFullJitterAnywhereBelowIt() {
        RetrySettings exact = new RetrySettings(4, Duration.ofSeconds(2), Duration.ofSeconds(30), 0);
        RetrySettings full = new RetrySettings(4, Duration.ofSeconds(2), Duration.ofSeconds(30), 1);

        assertThat(exact.delay(1, Optional.empty(), () -> 0.3)).isEqualTo(Duration.ofSeconds(2));
        assertThat(exact.delay(3, Optional.empty(), () -> 0.9)).isEqualTo(Duration.ofSeconds(8));
        assertThat(full.delay(1, Optional.empty(), () -> 0.0)).isEqualTo(Duration.ZERO);
        assertThat(full.delay(1, Optional.empty(), () -> 0.5)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void honoursTheServerHintCappedByTheMaximum() {
        RetrySettings settings = new RetrySettings(6, Duration.ofMillis(100), Duration.ofSeconds(60), 0.5);

        assertThat(settings.delay(1, Optional.of(Duration.ofSeconds(7)), () -> 0.5)).isEqualTo(Duration.ofSeconds(7));
        assertThat(settings.delay(1, Optional.of(Duration.ofSeconds(3600)), () -> 0.5))
                .isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void countsAttemptsIncludingTheFirst() {
        RetrySettings settings = new RetrySettings(3, Duration.ZERO, Duration.ZERO, 0.5);

        assertThat(settings.mayRetry(1)).isTrue();
        assertThat(settings.mayRetry(2)).isTrue();
        assertThat(settings.mayRetry(3)).isFalse();
        assertThat(RetrySettings.NONE.mayRetry(1)).isFalse();
    }

    @Test
    void refusesSettingsThatMakeNoSense() {
        assertThatThrownBy(() -> new RetrySettings(0, Duration.ZERO, Duration.ZERO, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> new RetrySettings(2, Duration.ofSeconds(2), Duration.ofSeconds(1), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shorter");
        assertThatThrownBy(() -> new RetrySettings(2, Duration.ZERO, Duration.ZERO, 1.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jitter");
    }

    @Test
    void readsRetryAfterAsSecondsOrHttpDate() {
        assertThat(RetrySettings.serverHint("7", null, NOW)).contains(Duration.ofSeconds(7));
        assertThat(RetrySettings.serverHint(" 0 ", null, NOW)).contains(Duration.ZERO);
        assertThat(RetrySettings.serverHint("Wed, 01 Jan 2025 00:00:30 GMT", null, NOW))
                .contains(Duration.ofSeconds(30));
        assertThat(RetrySettings.serverHint("Tue, 31 Dec 2024 23:00:00 GMT", null, NOW)).contains(Duration.ZERO);
    }

    @Test
    void fallsBackToTheRateLimitResetTime() {
        assertThat(RetrySettings.serverHint(null, "\"resolvers\";r=0;t=42", NOW)).contains(Duration.ofSeconds(42));
        assertThat(RetrySettings.serverHint("soon", "\"api\";r=0;t=5", NOW)).contains(Duration.ofSeconds(5));
        assertThat(RetrySettings.serverHint(null, "\"resolvers\";r=3", NOW)).isEmpty();
        assertThat(RetrySettings.serverHint("-1", "garbage", NOW)).isEmpty();
        assertThat(RetrySettings.serverHint(null, null, NOW)).isEmpty();
    }
}
