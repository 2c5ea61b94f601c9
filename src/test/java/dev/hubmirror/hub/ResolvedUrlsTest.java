package dev.hubmirror.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
        assertThat(urls.lookup("k").join()).isEmpty();
        urls.settle("k", A);

        // When / Then
        now.set(999);
        assertThat(urls.lookup("k").join()).contains(A);
        now.set(1_000);
        assertThat(urls.lookup("k").join()).isEmpty();
    }

    @Test
    void keepsAtMostItsCapacityDroppingTheLeastRecentlyUsed() {
        ResolvedUrls urls = new ResolvedUrls(1, Long.MAX_VALUE, () -> 0);
        urls.lookup("a");
        urls.settle("a", A);
        urls.lookup("b");
        urls.settle("b", B);

        assertThat(urls.size()).isEqualTo(1);
        assertThat(urls.lookup("b").join()).contains(B);
        assertThat(urls.lookup("a").join()).isEmpty();
    }

    @Test
    void aRefusedUrlIsForgottenButANewerOneIsKept() {
        ResolvedUrls urls = new ResolvedUrls(10, Long.MAX_VALUE, () -> 0);
        urls.lookup("k");
        urls.settle("k", B);

        urls.invalidate("k", A);
        assertThat(urls.lookup("k").join()).contains(B);
        urls.invalidate("k", B);
        assertThat(urls.lookup("k").join()).isEqualTo(Optional.empty());
    }

    @Test
    void parallelLookupsWaitForOneResolutionAndACancelledWaiterIsSkipped() {
        // Given: one caller resolves, two wait; the first waiter gives up
        ResolvedUrls urls = new ResolvedUrls(10, Long.MAX_VALUE, () -> 0);
        assertThat(urls.lookup("k").join()).isEmpty();
        CompletableFuture<Optional<URI>> gaveUp = urls.lookup("k");
        CompletableFuture<Optional<URI>> patient = urls.lookup("k");
        gaveUp.cancel(false);

        // When: the resolution fails
        urls.settle("k", null);

        // Then: the waiter still waiting resolves next; when it succeeds, later lookups get its URL
        assertThat(patient).isCompletedWithValue(Optional.empty());
        CompletableFuture<Optional<URI>> later = urls.lookup("k");
        assertThat(later).isNotDone();
        urls.settle("k", A);
        assertThat(later).isCompletedWithValue(Optional.of(A));
        assertThat(urls.lookup("k").join()).contains(A);
    }

    @Test
    void aZeroCapacityCachesNothing() {
        ResolvedUrls urls = new ResolvedUrls(0, Long.MAX_VALUE, () -> 0);
        urls.settle("k", A);
        assertThat(urls.lookup("k").join()).isEmpty();
        assertThat(urls.lookup("k").join()).isEmpty();
    }
}
