package dev.hubmirror.metrics;

import static dev.hubmirror.testing.ApiKeys.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.hubmirror.sim.SimCommit;
import dev.hubmirror.sim.SimRepo;
import dev.hubmirror.testing.PromQl;
import dev.hubmirror.testing.RestJobs;
import dev.hubmirror.testing.SimulatedHub;
import dev.hubmirror.testing.SimulatedHubProfile;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The service's metrics after real mirrors (Hub simulator, directory store), scraped from {@code /q/metrics} on the
 * management interface: they count what happened, and every metric that the Grafana dashboard and the alert rules
 * query is there. The scrape is saved to {@code target/metrics-scrape.txt} for {@code .ci/check-monitoring.sh}
 * ({@code promtool check metrics}).
 */
@QuarkusTest
@TestProfile(SimulatedHubProfile.class)
public class MonitoringTest {

    static final Path DASHBOARD = Path.of("k8s", "monitoring", "hub-mirror-dashboard.json");
    static final Path RULES = Path.of("k8s", "base", "prometheusrule.yaml");
    static final Path SAVED_SCRAPE = Path.of("target", "metrics-scrape.txt");
    static final long MIB = 1024 * 1024;
    static final Pattern SAMPLE = Pattern.compile("([A-Za-z_:][A-Za-z0-9_:]*)(\\{[^}]*})? (\\S+)");
    static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([A-Za-z_:][A-Za-z0-9_:]*)");

    SimulatedHub hub;

    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    @Test
    void aMirrorIsCountedInBytesFilesJobsUploadsResponsesAndRetries() {
        // Given: an LFS file of 3 parts and a few bytes (4 parts at 1 MiB), a small regular file, one 503 for it
        Scrape before = scrape();

        // When
        long bytes = mirrorRepresentativeRepos("org/counted");

        // Then
        Scrape after = scrape();
        assertThat(after.delta(before, "hubmirror_hub_downloaded_bytes_total")).isEqualTo(bytes);
        assertThat(after.delta(before, "hubmirror_store_uploaded_bytes_total", "store", "file")).isEqualTo(bytes);
        assertThat(after.delta(before, "hubmirror_files_total", "outcome", "written")).isEqualTo(2);
        assertThat(after.delta(before, "hubmirror_jobs_total", "outcome", "succeeded")).isEqualTo(1);
        assertThat(after.delta(before, "hubmirror_jobs_total", "outcome", "failed", "reason", "REPO_NOT_FOUND"))
                .isEqualTo(1);
        assertThat(after.delta(before, "hubmirror_job_duration_seconds_count", "outcome", "succeeded")).isEqualTo(1);
        assertThat(after.delta(before, "hubmirror_store_upload_duration_seconds_count", "upload", "part"))
                .isEqualTo(4);
        assertThat(after.delta(before, "hubmirror_store_upload_duration_seconds_count", "upload", "object"))
                .isEqualTo(1);
        assertThat(after.delta(before, "hubmirror_retries_total", "component", "hub", "reason", "HUB_UNAVAILABLE"))
                .isEqualTo(1);
        assertThat(after.delta(before, "hubmirror_hub_responses_total", "origin", "hub", "status", "5xx"))
                .isEqualTo(1);
        assertThat(after.delta(before, "hubmirror_hub_responses_total", "origin", "cdn", "status", "2xx"))
                .isEqualTo(4);
        // nothing is left running or held
        assertThat(after.value("hubmirror_jobs_active")).isZero();
        assertThat(after.value("hubmirror_transfers_active")).isZero();
        assertThat(after.value("hubmirror_buffer_used_bytes")).isZero();
        assertThat(after.value("hubmirror_buffer_capacity_bytes")).isEqualTo(16 * MIB);
    }

    @Test
    void everyMetricTheDashboardAndTheAlertRulesQueryIsInARealScrape() throws IOException {
        // Given: a scrape after mirrors that succeeded, failed and retried
        mirrorRepresentativeRepos("org/queried");
        Scrape scrape = scrape();
        Files.writeString(SAVED_SCRAPE, scrape.text(), StandardCharsets.UTF_8);

        // When
        Set<String> queried = new TreeSet<>(dashboardMetrics());
        queried.addAll(ruleMetrics());

        // Then: everything queried exists, except the Kafka client's lag, which exists only while Kafka runs, and the
        // registry's meters, which exist only with a target registry (RegistryJobsTest finds them in its scrape)
        String kafkaLag = MetricNames.KAFKA_CONSUMER_LAG.replace('.', '_');
        Set<String> missing = queried.stream().filter(name -> !scrape.names().contains(name))
                .filter(name -> !name.startsWith(REGISTRY_METRICS))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(missing).as("queried by the dashboard or the rules but not in the scrape").containsOnly(kafkaLag);
        assertThat(queried).contains(kafkaLag, "hubmirror_jobs_total", "hubmirror_buffer_used_bytes");
        // and every hubmirror metric is on the dashboard
        Set<String> published = scrape.names().stream().filter(n -> n.startsWith("hubmirror_"))
                .map(MonitoringTest::family).collect(Collectors.toCollection(TreeSet::new));
        Set<String> shown = dashboardMetrics().stream().map(MonitoringTest::family).collect(Collectors.toSet());
        assertThat(shown).as("metric families the dashboard shows").containsAll(published);
    }

    /** Mirrors a good repo (with one retried 503) and an unknown one; returns the good repo's bytes. */
    long mirrorRepresentativeRepos(String id) {
        SimRepo repo = hub.sim().model(id);
        SimCommit commit = repo.commit().lfsFile("model.safetensors", 3 * MIB + 5, 1).textFile("config.json", "{}");
        repo.branch("main", commit);
        hub.sim().faults().status("config.json", 503, 1);
        try {
            assertThat(RestJobs.mirror("{\"id\": \"" + id + "\"}").getString("status")).isEqualTo("SUCCEEDED");
        } finally {
            hub.sim().faults().clear();
        }
        assertThat(RestJobs.mirror("{\"id\": \"" + id + "-does-not-exist\"}").getString("error.reason"))
                .isEqualTo("REPO_NOT_FOUND");
        return 3 * MIB + 5 + 2;
    }

    Scrape scrape() {
        // the classic text format (what promtool reads), not OpenMetrics
        return new Scrape(given().accept("text/plain; version=0.0.4; charset=utf-8")
                .when().get(metrics).then().statusCode(200).extract().asString());
    }

    /** The prefix of the registry engine's meters. */
    public static final String REGISTRY_METRICS = "hubmirror_registry_";

    /** Every metric name the dashboard's queries and variables use. */
    public static Set<String> dashboardMetrics() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        Set<String> names = new TreeSet<>();
        for (JsonNode expr : dashboard.findValues("expr")) {
            names.addAll(PromQl.metricNames(expr.asText()));
        }
        for (JsonNode definition : dashboard.findValues("definition")) {
            Matcher m = LABEL_VALUES.matcher(definition.asText());
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        assertThat(names).as("metrics in %s", DASHBOARD).isNotEmpty();
        return names;
    }

    static Set<String> ruleMetrics() throws IOException {
        JsonNode rule = new YAMLMapper().readTree(RULES.toFile());
        Set<String> names = new TreeSet<>();
        for (JsonNode expr : rule.path("spec").path("groups").findValues("expr")) {
            names.addAll(PromQl.metricNames(expr.asText()));
        }
        assertThat(names).as("metrics in %s", RULES).isNotEmpty();
        return names;
    }

    /** A metric's family: the histogram and summary series share their base name. */
    static String family(String name) {
        return name.replaceFirst("_(bucket|count|sum|max)$", "");
    }

    /** A scrape in the Prometheus text format. */
    record Scrape(String text) {

        Set<String> names() {
            return text.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).map(SAMPLE::matcher)
                    .filter(Matcher::matches).map(m -> m.group(1)).collect(Collectors.toCollection(TreeSet::new));
        }

        /** The sum of the samples of {@code name} whose labels include the given name/value pairs. */
        double value(String name, String... labels) {
            Map<String, String> wanted = new java.util.HashMap<>();
            for (int i = 0; i < labels.length; i += 2) {
                wanted.put(labels[i], labels[i + 1]);
            }
            return text.lines().map(SAMPLE::matcher).filter(Matcher::matches)
                    .filter(m -> m.group(1).equals(name))
                    .filter(m -> wanted.entrySet().stream().allMatch(e -> m.group(2) != null
                            && m.group(2).contains(e.getKey() + "=\"" + e.getValue() + "\"")))
                    .mapToDouble(m -> Double.parseDouble(m.group(3))).sum();
        }

        long delta(Scrape before, String name, String... labels) {
            return Math.round(value(name, labels) - before.value(name, labels));
        }
    }
}
