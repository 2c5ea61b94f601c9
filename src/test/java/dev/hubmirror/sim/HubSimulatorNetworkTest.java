package dev.hubmirror.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The simulated WAN through real HTTP: latency and the shared link cap, with timers the test releases and a fake
 * clock, so the order of events is checked and no duration is measured.
 */
class HubSimulatorNetworkTest {

    private static final int KIB = 1024;
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final SimHttp http = new SimHttp();
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final ManualTimers timers = new ManualTimers(clock);
    private HubSimulator sim;
    private SimFile lfs;
    private SimFile regular;

    @BeforeEach
    void start() {
        sim = HubSimulator.start();
        sim.network().useClock(clock::get);
        sim.network().useTimers(timers);
        SimCommit c = sim.model("org/name").commit().lfsFile("w.bin", 256 * KIB, 1).regularFile("r.txt", 256 * KIB, 2);
        lfs = c.file("w.bin");
        regular = c.file("r.txt");
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private CompletableFuture<HttpResponse<byte[]>> getAsync(String url) {
        return client.sendAsync(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Responses (of the first {@code n} requests) whose body the simulator has not written whole yet. */
    private long unfinished(int n) {
        return sim.requests().stream().limit(n).filter(r -> r.bodyBytesSent() < 256 * KIB).count();
    }

    /** Waits until every unfinished response waits on a link timer (none is booking or waiting for a drain). */
    private void awaitEveryUnfinishedResponseOnATimer(int n) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(timers.pending())
                .as("timers pending, requests %s", sim.requests()).isEqualTo(unfinished(n)));
    }

    private void awaitPending(int n) {
        await().atMost(WAIT).until(() -> timers.pending() == n);
    }

    @Test
    void everyRequestRedirectsIncludedIsAnsweredOnlyAfterItsLatencyTimerRan() {
        // Given
        sim.network(0, Duration.ofMillis(40));

        // When the resolve is sent
        CompletableFuture<HttpResponse<byte[]>> resolve = getAsync(sim.hubUrl() + "/org/name/resolve/main/w.bin");
        awaitPending(1);

        // Then it waits on a 40 ms timer, and the event loop meanwhile answers the (undelayed) control endpoint
        assertThat(resolve).isNotDone();
        assertThat(http.send("DELETE", sim.hubUrl() + "/_sim/faults").status()).isEqualTo(204);
        assertThat(resolve).isNotDone();
        timers.releaseEarliest();
        HttpResponse<byte[]> redirect = resolve.join();
        assertThat(redirect.statusCode()).isEqualTo(302);

        // When the CDN URL it points at is fetched, Then that request waits on its own timer too
        CompletableFuture<HttpResponse<byte[]>> content = getAsync(redirect.headers().firstValue("Location")
                .orElseThrow());
        awaitPending(1);
        assertThat(content).isNotDone();
        timers.releaseEarliest();
        assertThat(content.join().body()).isEqualTo(lfs.content());
        assertThat(timers.scheduledDelays()).containsExactly(40L, 40L);
    }

    @Test
    void oneLinkCapIsSharedByAllConnectionsOfTheHubAndCdnListeners() {
        // Given the two content URLs (resolved before the cap), then a 1 MiB/s link on a frozen clock
        String cdnUrl = http.get(sim.hubUrl() + "/org/name/resolve/main/w.bin").header("Location");
        String cacheUrl = sim.hubUrl() + http.get(sim.hubUrl() + "/org/name/resolve/main/r.txt").header("Location");
        sim.clearRequests();
        sim.network(1 << 20, Duration.ZERO);
        long t0 = clock.get();

        // When both bodies are requested at once, one from each listener
        CompletableFuture<HttpResponse<byte[]>> fromCdn = getAsync(cdnUrl);
        CompletableFuture<HttpResponse<byte[]>> fromHub = getAsync(cacheUrl);
        awaitEveryUnfinishedResponseOnATimer(2);

        // Then while the clock stands still, the two responses together got only the link's burst (one chunk)
        assertThat(sim.requests()).hasSize(2).extracting(SimRequest::listener).containsExactlyInAnyOrder("hub", "cdn");
        assertThat(sim.requests().stream().mapToLong(SimRequest::bodyBytesSent).sum())
                .isEqualTo(SimNetwork.PACED_CHUNK);

        // When the timers are released one at a time in due order until both bodies are written
        while (unfinished(2) > 0) {
            timers.releaseEarliest();
            awaitEveryUnfinishedResponseOnATimer(2);
        }

        // Then both are whole, and the fake clock moved as far as 512 KiB less the burst take at 1 MiB/s together
        // (each connection on its own link would have needed less than half of that)
        assertThat(fromCdn.join().body()).isEqualTo(lfs.content());
        assertThat(fromHub.join().body()).isEqualTo(regular.content());
        long elapsed = clock.get() - t0;
        long shared = TimeUnit.MILLISECONDS.toNanos(437) + TimeUnit.MICROSECONDS.toNanos(500);
        assertThat(elapsed).isBetween(shared, shared + TimeUnit.MILLISECONDS.toNanos(1));
    }

    @Test
    void withoutNetworkSettingsNothingWaitsOnATimer() {
        // When
        String cdnUrl = http.get(sim.hubUrl() + "/org/name/resolve/main/w.bin").header("Location");

        // Then
        assertThat(http.get(cdnUrl).body()).isEqualTo(lfs.content());
        assertThat(timers.scheduledDelays()).isEmpty();
    }
}
