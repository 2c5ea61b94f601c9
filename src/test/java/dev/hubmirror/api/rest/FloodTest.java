package dev.hubmirror.api.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubmirror.job.ScriptedSnapshotMirror;
import dev.hubmirror.testing.ApiKeys;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Callers flood the service with the largest submissions it accepts: it stays healthy, keeps no more job records
 * than {@code mirror.jobs.max-retained-bytes} allows (its heap with them), refuses the rest with 429 and a
 * Retry-After naming the limit, and lists every job it accepted. The mirror is scripted: jobs never finish, so every
 * accepted job stays.
 */
@QuarkusTest
@TestProfile(FloodTest.Flood.class)
class FloodTest {

    static final int CALLERS = 4;
    static final int SUBMISSIONS_PER_CALLER = 12;
    static final int RATE = 10;
    static final long MAX_RETAINED_BYTES = 8 << 20;
    static final int REPOS = 10;
    static final int PATTERNS_PER_REPO = 100;
    static final int PATTERN_LENGTH = 1024;
    private static final Duration FLOOD_LIMIT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The scripted mirror, one job slot, a queue that never fills, 8M of job records, 10 submissions a minute. */
    public static class Flood implements QuarkusTestProfile {
        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(ScriptedSnapshotMirror.class);
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>();
            config.put("mirror.jobs.concurrency", "1");
            config.put("mirror.jobs.queue-capacity", "100000");
            config.put("mirror.jobs.max-retained-bytes", String.valueOf(MAX_RETAINED_BYTES));
            config.put("mirror.api.rate-limit.submissions", String.valueOf(RATE));
            config.put("mirror.api.rate-limit.period", "1m");
            for (int i = 0; i < CALLERS; i++) {
                config.put("mirror.api.keys.flood-" + i + ".key", key(i));
                config.put("mirror.api.keys.flood-" + i + ".role", "submit");
            }
            return config;
        }
    }

    @TestHTTPResource("/")
    URL api;

    @TestHTTPResource(value = "/health/live", management = true)
    URL live;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aFloodOfTheLargestSubmissionsLeavesTheServiceHealthyWithinItsBoundsAndEveryAcceptedJobListed()
            throws Exception {
        // Given a service that already read submissions this large (its buffers and caches are grown; the last repo
        // id is invalid, so nothing is kept), and its heap then
        ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
        List<Future<HttpResponse<String>>> warmUp = new ArrayList<>();
        for (int c = 0; c < CALLERS; c++) {
            int caller = c;
            warmUp.add(callers.submit(() -> post(ApiKeys.SUBMIT,
                    largestSubmission(caller, -1).replace("org/flood-" + caller + "--1-9", "org/not valid"))));
        }
        for (Future<HttpResponse<String>> answer : warmUp) {
            assertThat(answer.get().statusCode()).as(answer.get().body()).isEqualTo(400);
        }
        long heapBefore = heapAfterGc();
        ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
        long deadline = System.nanoTime() + FLOOD_LIMIT.toNanos();

        // When every caller sends the largest accepted submission, again and again, for a bounded time
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < CALLERS; c++) {
                int caller = c;
                running.add(callers.submit(() -> {
                    for (int n = 0; n < SUBMISSIONS_PER_CALLER && System.nanoTime() < deadline; n++) {
                        answers.add(Answer.of(post(key(caller), largestSubmission(caller, n))));
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            callers.shutdownNow();
        }

        // Then every answer is an acceptance or a refusal that names its limit and says when to retry
        Set<String> accepted = new HashSet<>();
        Map<String, Integer> refusals = new HashMap<>();
        for (Answer answer : answers) {
            JsonNode body = JSON.readTree(answer.body());
            if (answer.status() == 202) {
                body.get("jobs").forEach(job -> accepted.add(job.get("id").asText()));
                continue;
            }
            assertThat(answer.status()).as(answer.body()).isEqualTo(429);
            String reason = body.at("/error/reason").asText();
            refusals.merge(reason, 1, Integer::sum);
            assertThat(reason).isIn("TOO_MANY_JOBS", "TOO_MANY_REQUESTS");
            assertThat(body.at("/error/message").asText()).contains(reason.equals("TOO_MANY_JOBS")
                    ? "mirror.jobs.max-retained-bytes" : "mirror.api.rate-limit.submissions");
            assertThat(answer.retryAfter()).isNotBlank();
        }
        assertThat(refusals).containsKeys("TOO_MANY_JOBS", "TOO_MANY_REQUESTS");
        assertThat(accepted).isNotEmpty();

        // and the service is healthy, within its bound, and lists every job it accepted
        JsonNode liveness = JSON.readTree(get(live.toString(), null).body());
        assertThat(liveness.get("status").asText()).isEqualTo("UP");
        JsonNode data = null;
        for (JsonNode check : liveness.get("checks")) {
            if (check.get("name").asText().equals("hub-mirror")) {
                data = check.get("data");
            }
        }
        assertThat(data).isNotNull();
        assertThat(data.get("jobsRetained").asInt()).isEqualTo(accepted.size());
        assertThat(data.get("jobsRetainedBytes").asLong()).isPositive().isLessThanOrEqualTo(MAX_RETAINED_BYTES);
        long heapGrowth = heapAfterGc() - heapBefore;
        assertThat(heapGrowth).as("heap growth in bytes").isLessThan(MAX_RETAINED_BYTES + (16 << 20));
        HttpResponse<String> list = get(api + "v1/jobs?limit=1000", ApiKeys.SUBMIT);
        assertThat(list.statusCode()).isEqualTo(200);
        Set<String> listed = new HashSet<>();
        JSON.readTree(list.body()).get("jobs").forEach(job -> listed.add(job.get("id").asText()));
        assertThat(listed).containsAll(accepted);
    }

    /**
     * What the test keeps of an answer: an {@link HttpResponse} would keep its request, and with it the megabyte body
     * sent, which would count as the service's heap.
     */
    record Answer(int status, String body, String retryAfter) {
        static Answer of(HttpResponse<String> response) {
            return new Answer(response.statusCode(), response.body(),
                    response.headers().firstValue("Retry-After").orElse(""));
        }
    }

    private static String key(int caller) {
        return "flood-key-" + caller + "-0123456789abcdef";
    }

    /** 10 repos with 100 patterns of 1024 characters each: the most patterns a submission may carry, at full length. */
    private static String largestSubmission(int caller, int n) {
        String repos = IntStream.range(0, REPOS).mapToObj(r -> "{\"id\": \"org/flood-" + caller + "-" + n + "-" + r
                + "\", \"include\": [" + IntStream.range(0, PATTERNS_PER_REPO).mapToObj(p -> {
                    String prefix = "p" + r + "-" + p + "-";
                    return "\"" + prefix + "x".repeat(PATTERN_LENGTH - prefix.length()) + "\"";
                }).collect(Collectors.joining(",")) + "]}").collect(Collectors.joining(","));
        return "{\"repos\": [" + repos + "]}";
    }

    private HttpResponse<String> post(String key, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(api + "v1/mirrors")).timeout(Duration.ofSeconds(30))
                .header("Authorization", ApiKeys.bearer(key)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String url, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (key != null) {
            request.header("Authorization", ApiKeys.bearer(key));
        }
        return http.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
