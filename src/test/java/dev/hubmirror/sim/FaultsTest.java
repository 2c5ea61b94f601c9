package dev.hubmirror.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every fault kind is observable by a client, and goes away when used up or cleared. */
class FaultsTest {

    private HubSimulator sim;
    private final SimHttp http = new SimHttp();
    private SimFile lfs;
    private SimFile regular;

    @BeforeEach
    void start() {
        sim = HubSimulator.start();
        SimCommit c = sim.model("org/name").commit().lfsFile("w.bin", 1_000_000, 1).regularFile("r.txt", 5000, 2);
        lfs = c.file("w.bin");
        regular = c.file("r.txt");
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private String cdnUrl() {
        return http.get(sim.hubUrl() + "/org/name/resolve/main/w.bin").header("Location");
    }

    private String cacheUrl() {
        return sim.hubUrl() + http.get(sim.hubUrl() + "/org/name/resolve/main/r.txt").header("Location");
    }

    @Test
    void cutAfterClosesTheConnectionAfterTheGivenBodyBytes() {
        // Given
        sim.faults().cutAfter("w.bin", 300_000, 1).cutAfter("r.txt", 0, 1);
        String cdn = cdnUrl();

        // When
        SimHttp.Read cut = http.get(cdn);
        SimHttp.Read cutRegular = http.get(cacheUrl());
        SimHttp.Read again = http.get(cdn);

        // Then
        assertThat(cut.status()).isEqualTo(200);
        assertThat(cut.header("Content-Length")).isEqualTo("1000000");
        assertThat(cut.error()).isNotNull();
        assertThat(cut.body()).hasSize(300_000).isEqualTo(Arrays.copyOf(lfs.content(), 300_000));
        assertThat(cutRegular.error()).isNotNull();
        assertThat(cutRegular.body()).isEmpty();
        assertThat(again.error()).isNull();
        assertThat(again.body()).isEqualTo(lfs.content());
        assertThat(sim.requests().stream().filter(r -> r.listener().equals("cdn")).findFirst().orElseThrow()
                .bodyBytesSent()).isEqualTo(300_000);
    }

    @Test
    void cutAfterCountsFromTheStartOfARangeResponse() {
        // Given
        sim.faults().cutAfter("w.bin", 1000, 1);

        // When
        SimHttp.Read cut = http.get(cdnUrl(), "Range", "bytes=500000-");

        // Then
        assertThat(cut.status()).isEqualTo(206);
        assertThat(cut.error()).isNotNull();
        assertThat(cut.body()).isEqualTo(Arrays.copyOfRange(lfs.content(), 500_000, 501_000));
    }

    @Test
    void statusAnswersTheGivenStatusThenRecovers() {
        // Given
        String cdn = cdnUrl();
        sim.faults().status("w.bin", 503, 2).status(null, 500, 1);

        // When
        int any = http.get(sim.hubUrl() + "/api/models/org/name/revision/main").status();
        int first = http.get(sim.hubUrl() + "/org/name/resolve/main/w.bin").status();
        int onCdn = http.get(cdn).status();
        int recovered = http.get(cdn).status();
        int otherFile = http.get(sim.hubUrl() + "/org/name/resolve/main/r.txt").status();

        // Then
        assertThat(any).isEqualTo(500);
        assertThat(first).isEqualTo(503);
        assertThat(onCdn).isEqualTo(503);
        assertThat(recovered).isEqualTo(200);
        assertThat(otherFile).isEqualTo(307);
    }

    @Test
    void tooManyRequestsCarriesRetryAfterAndRateLimitHeaders() {
        // Given
        sim.faults().tooManyRequests(null, 1, 7);

        // When
        SimHttp.Read limited = http.get(sim.hubUrl() + "/api/models/org/name/tree/main");
        SimHttp.Read next = http.get(sim.hubUrl() + "/api/models/org/name/tree/main");

        // Then
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.header("Retry-After")).isEqualTo("7");
        assertThat(limited.header("RateLimit")).isEqualTo("\"resolvers\";r=0;t=7");
        assertThat(next.status()).isEqualTo(200);
    }

    @Test
    void corruptByteInvertsExactlyThatByteEveryTimeUntilCleared() {
        // Given
        sim.faults().corruptByte("w.bin", 262_144).corruptByte("r.txt", 0);
        String cdn = cdnUrl();

        // When
        byte[] served = http.get(cdn).body();
        byte[] ranged = http.get(cdn, "Range", "bytes=262140-262150").body();
        byte[] servedRegular = http.get(cacheUrl()).body();
        sim.faults().clear();
        byte[] clean = http.get(cdn).body();

        // Then
        byte[] expected = lfs.content();
        expected[262_144] = (byte) ~expected[262_144];
        assertThat(served).isEqualTo(expected);
        assertThat(ranged).isEqualTo(Arrays.copyOfRange(expected, 262_140, 262_151));
        assertThat(servedRegular[0]).isEqualTo((byte) ~regular.content()[0]);
        assertThat(clean).isEqualTo(lfs.content());
    }

    @Test
    void wrongSizeServesABodyOfAnotherSizeWhileTheHubAdvertisesTheRealOne() {
        // Given
        sim.faults().wrongSize("w.bin", 5).wrongSize("r.txt", -100);

        // When
        SimHttp.Read redirect = http.get(sim.hubUrl() + "/org/name/resolve/main/w.bin");
        SimHttp.Read longer = http.get(redirect.header("Location"));
        SimHttp.Read shorter = http.get(cacheUrl());

        // Then
        assertThat(redirect.header("X-Linked-Size")).isEqualTo("1000000");
        assertThat(longer.header("Content-Length")).isEqualTo("1000005");
        assertThat(longer.body()).hasSize(1_000_005);
        assertThat(Arrays.copyOf(longer.body(), 1_000_000)).isEqualTo(lfs.content());
        assertThat(shorter.body()).hasSize(4900);
        assertThat(shorter.error()).isNull();
    }

    @Test
    void anExpiredSignedUrlMidFileForcesTheClientToResolveAgain() {
        // Given
        sim.faults().cutAfter("w.bin", 400_000, 1).expireSignedUrls("w.bin", 1);
        String first = cdnUrl();

        // When
        SimHttp.Read cut = http.get(first);
        SimHttp.Read resumed = http.get(first, "Range", "bytes=" + cut.body().length + "-");
        String second = cdnUrl();
        SimHttp.Read resumedAgain = http.get(second, "Range", "bytes=" + cut.body().length + "-");

        // Then
        assertThat(cut.body()).hasSize(400_000);
        assertThat(resumed.status()).isEqualTo(403);
        assertThat(resumed.text()).contains("Request has expired");
        assertThat(resumedAgain.status()).isEqualTo(206);
        byte[] whole = new byte[1_000_000];
        System.arraycopy(cut.body(), 0, whole, 0, 400_000);
        System.arraycopy(resumedAgain.body(), 0, whole, 400_000, 600_000);
        assertThat(whole).isEqualTo(lfs.content());
    }

    @Test
    void theControlEndpointAddsAndClearsFaults() {
        // Given
        String control = sim.hubUrl() + "/_sim/faults";

        // When
        int added = http.post(control, "[{\"kind\":\"status\",\"path\":\"w.bin\",\"status\":502,\"times\":5},"
                + "{\"kind\":\"tooManyRequests\",\"path\":\"r.txt\",\"retryAfterSeconds\":3}]");
        int faulted = http.get(sim.hubUrl() + "/org/name/resolve/main/w.bin").status();
        String retryAfter = http.get(sim.hubUrl() + "/org/name/resolve/main/r.txt").header("Retry-After");
        int cleared = http.send("DELETE", control).status();
        int healthy = http.get(sim.hubUrl() + "/org/name/resolve/main/w.bin").status();
        int rejected = http.post(control, "{\"kind\":\"explode\"}");

        // Then
        assertThat(added).isEqualTo(204);
        assertThat(faulted).isEqualTo(502);
        assertThat(retryAfter).isEqualTo("3");
        assertThat(cleared).isEqualTo(204);
        assertThat(healthy).isEqualTo(302);
        assertThat(rejected).isEqualTo(400);
        assertThat(sim.requests()).noneMatch(r -> r.path().startsWith("/_sim"));
    }
}
