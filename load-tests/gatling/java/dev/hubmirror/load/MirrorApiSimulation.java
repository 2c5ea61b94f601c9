package dev.hubmirror.load;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.asLongAs;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.responseTimeInMillis;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API load test: many virtual users submit model lists of small repos ({@code POST /v1/mirrors}) at once, then each
 * polls its jobs ({@code GET /v1/jobs/{id}}) until they finish. Gatling reports the submit and poll latencies
 * (p50/p99) and the errors; this class adds the job outcomes and jobs per minute (from the first submission to the
 * last job seen finished), logged at the end and written to {@code load.summary}.
 *
 * <p>Runs against a service that is already up: {@code load-tests/api-load.sh} starts the Hub simulator (with
 * {@code load-tests/specs/api-load.json}), s3proxy and the service, then runs
 * {@code ./mvnw -Pload test-compile gatling:test}. System properties (all optional):
 * {@code load.baseUrl} (http://127.0.0.1:8080), {@code load.apiKey} (sent as a bearer token when set),
 * {@code load.users} (50), {@code load.rampSeconds} (10), {@code load.submissionsPerUser} (4),
 * {@code load.reposPerSubmission} (5), {@code load.repoCount} (1000) and {@code load.repoPrefix} (load/repo-):
 * repos are named prefix + 4 digits and handed out in order, so each is requested once while
 * users x submissions x repos per submission stays within the repo count. Polling is bounded: every
 * {@code load.pollMillis} (500) ms, at most {@code load.maxPolls} (1200) times per job.
 */
public class MirrorApiSimulation extends Simulation {

    private static final Logger LOGGER = LoggerFactory.getLogger(MirrorApiSimulation.class);

    private static final String BASE_URL = System.getProperty("load.baseUrl", "http://127.0.0.1:8080");
    private static final String API_KEY = System.getProperty("load.apiKey", "");
    private static final int USERS = Integer.getInteger("load.users", 50);
    private static final int RAMP_SECONDS = Integer.getInteger("load.rampSeconds", 10);
    private static final int SUBMISSIONS = Integer.getInteger("load.submissionsPerUser", 4);
    private static final int REPOS_PER_SUBMISSION = Integer.getInteger("load.reposPerSubmission", 5);
    private static final int REPO_COUNT = Integer.getInteger("load.repoCount", 1000);
    private static final String REPO_PREFIX = System.getProperty("load.repoPrefix", "load/repo-");
    private static final Duration POLL = Duration.ofMillis(Long.getLong("load.pollMillis", 500));
    private static final int MAX_POLLS = Integer.getInteger("load.maxPolls", 1200);
    private static final Path SUMMARY = Path.of(System.getProperty("load.summary", "target/gatling/api-load-summary.txt"));

    private static final AtomicInteger NEXT_REPO = new AtomicInteger();
    private static final AtomicLong FIRST_SUBMIT = new AtomicLong(Long.MAX_VALUE);
    private static final AtomicLong LAST_FINISH = new AtomicLong();
    private static final AtomicInteger SUBMITTED = new AtomicInteger();
    private static final AtomicInteger SUBMIT_ERRORS = new AtomicInteger();
    private static final ConcurrentLinkedQueue<Integer> SUBMIT_MILLIS = new ConcurrentLinkedQueue<>();
    private static final Map<String, AtomicInteger> OUTCOMES = new ConcurrentHashMap<>();

    private static final Iterator<Map<String, Object>> SUBMISSION_BODIES = Stream.generate(() -> {
        List<String> models = new ArrayList<>();
        for (int i = 0; i < REPOS_PER_SUBMISSION; i++) {
            models.add("\"" + REPO_PREFIX + String.format("%04d", NEXT_REPO.getAndIncrement() % REPO_COUNT) + "\"");
        }
        return Map.<String, Object>of("body", "{\"models\": [" + String.join(", ", models) + "]}");
    }).iterator();

    private static boolean finished(String status) {
        return "SUCCEEDED".equals(status) || "FAILED".equals(status) || "CANCELLED".equals(status);
    }

    private static Session noteSubmit(Session session) {
        FIRST_SUBMIT.accumulateAndGet(System.currentTimeMillis(), Math::min);
        if (session.contains("submitMillis")) {
            SUBMIT_MILLIS.add(session.getInt("submitMillis"));
        }
        if (session.isFailed() || !session.contains("jobIds")) {
            SUBMIT_ERRORS.incrementAndGet();
        } else {
            SUBMITTED.addAndGet(session.getList("jobIds").size());
        }
        return session;
    }

    private static String percentile(List<Integer> sorted, double p) {
        if (sorted.isEmpty()) {
            return "n/a";
        }
        int rank = (int) Math.ceil(p / 100 * sorted.size());
        return sorted.get(Math.max(0, rank - 1)) + " ms";
    }

    private static Session noteOutcome(Session session) {
        String status = session.getString("status");
        String outcome = finished(status) ? status : "NOT_FINISHED_AFTER_" + MAX_POLLS + "_POLLS";
        OUTCOMES.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
        if (finished(status)) {
            LAST_FINISH.accumulateAndGet(System.currentTimeMillis(), Math::max);
        }
        return session;
    }

    private static final ChainBuilder SUBMIT = exec(
            http("submit").post("/v1/mirrors").body(StringBody("#{body}")).asJson()
                    .check(responseTimeInMillis().saveAs("submitMillis"), status().is(202),
                            jsonPath("$.jobs[*].id").findAll().saveAs("jobIds")))
            .exec(MirrorApiSimulation::noteSubmit);

    private static final ChainBuilder POLL_JOBS = exec(session -> session.set("status", "QUEUED").set("polls", 0))
            .asLongAs(session -> !finished(session.getString("status")) && session.getInt("polls") < MAX_POLLS).on(
                    exec(session -> session.set("polls", session.getInt("polls") + 1))
                            .pause(POLL)
                            .exec(http("poll").get("/v1/jobs/#{jobId}")
                                    .check(status().is(200), jsonPath("$.status").saveAs("status"))))
            .exec(MirrorApiSimulation::noteOutcome);

    private final ScenarioBuilder submitAndPoll = scenario("submit model lists, poll jobs to completion")
            .repeat(SUBMISSIONS).on(
                    exec(session -> session)
                            .feed(SUBMISSION_BODIES)
                            .exec(SUBMIT)
                            .exitHereIfFailed()
                            .foreach("#{jobIds}", "jobId").on(POLL_JOBS));

    {
        HttpProtocolBuilder protocol = http.baseUrl(BASE_URL).acceptHeader("application/json")
                .shareConnections();
        if (!API_KEY.isEmpty()) {
            protocol = protocol.authorizationHeader("Bearer " + API_KEY);
        }
        setUp(submitAndPoll.injectOpen(rampUsers(USERS).during(Duration.ofSeconds(RAMP_SECONDS))))
                .protocols(protocol)
                .assertions(global().failedRequests().count().is(0L));
    }

    @Override
    public void after() {
        long first = FIRST_SUBMIT.get();
        long last = LAST_FINISH.get();
        int succeeded = OUTCOMES.getOrDefault("SUCCEEDED", new AtomicInteger()).get();
        double minutes = last > first ? (last - first) / 60_000.0 : 0;
        List<Integer> submitMillis = new ArrayList<>(SUBMIT_MILLIS);
        Collections.sort(submitMillis);
        String summary = Stream.of(
                "users=" + USERS + " submissionsPerUser=" + SUBMISSIONS + " reposPerSubmission=" + REPOS_PER_SUBMISSION,
                "submissions=" + submitMillis.size() + " submitErrors=" + SUBMIT_ERRORS.get(),
                "submitLatencyP50=" + percentile(submitMillis, 50) + " submitLatencyP99=" + percentile(submitMillis, 99)
                        + " submitLatencyMax=" + percentile(submitMillis, 100),
                "jobsSubmitted=" + SUBMITTED.get(),
                "jobOutcomes=" + OUTCOMES.entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .map(e -> e.getKey() + ":" + e.getValue().get()).collect(Collectors.joining(",")),
                "firstSubmitToLastFinishSeconds=" + String.format("%.1f", minutes * 60),
                "succeededJobsPerMinute=" + (minutes > 0 ? String.format("%.1f", succeeded / minutes) : "n/a"))
                .collect(Collectors.joining("\n", "", "\n"));
        LOGGER.info("API load summary:\n{}", summary);
        try {
            Files.createDirectories(SUMMARY.toAbsolutePath().getParent());
            Files.writeString(SUMMARY, summary, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + SUMMARY, e);
        }
    }
}
