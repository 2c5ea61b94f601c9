package dev.hubmirror.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ResolvedUrlsTest {

    private static final URI A = URI.create("https://cdn.example/a?Signature=x");
    private static final URI B = URI.create("https://cdn.example/b?Signature=y");

    @Test
    void aStoredUrlIsUsedUntilItsMaxAgeThenResolvedAgain() {
        // Given
        AtomicLong now = new AtomicLong();
        ResolvedUrls urls = new ResolvedUrls(10, 1_000, now::get);
        assertThat(urls.lookup("k", null).result()).isEmpty();
        urls.settle("k", A);

        // When / Then
        now.set(999);
        assertThat(urls.lookup("k", null).result()).contains(A);
        now.set(1_000);
        assertThat(urls.lookup("k", null).result()).isEmpty();
    }

    @Test
    void keepsAtMostItsCapacityDroppingTheLeastRecentlyUsed() {
        ResolvedUrls urls = new ResolvedUrls(1, Long.MAX_VALUE, () -> 0);
        urls.lookup("a", null);
        urls.settle("a", A);
        urls.lookup("b", null);
        urls.settle("b", B);

        assertThat(urls.size()).isEqualTo(1);
        assertThat(urls.lookup("b", null).result()).contains(B);
        assertThat(urls.lookup("a", null).result()).isEmpty();
    }

    @Test
    void aRefusedUrlIsForgottenButANewerOneIsKept() {
        ResolvedUrls urls = new ResolvedUrls(10, Long.MAX_VALUE, () -> 0);
        urls.lookup("k", null);
        urls.settle("k", B);

        urls.invalidate("k", A);
        assertThat(urls.lookup("k", null).result()).contains(B);
        urls.invalidate("k", B);
        assertThat(urls.lookup("k", null).result()).isEqualTo(Optional.empty());
    }

    @Test
    void aZeroCapacityCachesNothing() {
        ResolvedUrls urls = new ResolvedUrls(0, Long.MAX_VALUE, () -> 0);
        urls.settle("k", A);
        assertThat(urls.lookup("k", null).result()).isEmpty();
        assertThat(urls.lookup("k", null).result()).isEmpty();
    }
}
