package dev.hubmirror.api.rest;

import static dev.hubmirror.testing.ApiKeys.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.hubmirror.metrics.MonitoringTest;
import dev.hubmirror.sim.SimCommit;
import dev.hubmirror.sim.SimRepo;
import dev.hubmirror.testing.OciLayout;
import dev.hubmirror.testing.Poll;
import dev.hubmirror.testing.RegistryProfile;
import dev.hubmirror.testing.RestJobs;
import dev.hubmirror.testing.SimulatedHub;
import dev.hubmirror.testing.Skopeo;
import dev.hubmirror.testing.TestRegistries;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Images and charts through the API: a request with models, an image index, an OCI chart and a classic Helm
 * repository's chart as one bundle, their jobs, progress, events stream, verify, the bundle's bill of materials in the
 * store and at {@code GET /v1/bundles/{name}}, and the registry metrics; against the Hub simulator and the shared
 * registries (a token-protected source, a basic-auth target).
 */
@QuarkusTest
@TestProfile(RegistryProfile.class)
class RegistryJobsTest {

    private static final Duration LIMIT = Duration.ofMinutes(2);

    SimulatedHub hub;

    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    private static TestRegistries registries;
    private static String indexDigest;
    private static String chartDigest;

    @BeforeAll
    static void seed() {
        registries = TestRegistries.get();
        OciLayout layout = OciLayout.create();
        OciLayout.Blob shared = layout.randomLayer(6L << 20, 41);
        OciLayout.Blob amd64 = layout.image("linux", "amd64", List.of(shared, layout.tarLayer(Map.of("app",
                "amd64".getBytes(StandardCharsets.UTF_8)))));
        OciLayout.Blob arm64 = layout.image("linux", "arm64", List.of(shared, layout.tarLayer(Map.of("app",
                "arm64".getBytes(StandardCharsets.UTF_8)))));
        OciLayout.Blob index = layout.index(List.of(amd64, arm64), List.of("linux/amd64", "linux/arm64"));
        indexDigest = index.digest();
        OciLayout.Blob chart = layout.helmChart("sie-cluster", "0.3.1", OciLayout.chartArchive("sie-cluster", "0.3.1",
                "the cluster"));
        chartDigest = chart.digest();
        layout.tag(index, "v0.3.1").tag(chart, "0.3.1");
        String src = registries.source.host();
        Skopeo.push(layout, "v0.3.1", src + "/apitest/bundle/sie-server:v0.3.1", TestRegistries.creds());
        Skopeo.push(layout, "0.3.1", src + "/apitest/bundle/charts/sie-cluster:0.3.1", TestRegistries.creds());
        RegistryProfile.helm.publish("keda", "2.14.2");
    }

    private static String image() {
        return registries.source.host() + "/apitest/bundle/sie-server:v0.3.1";
    }

    private static String ociChart() {
        return "oci://" + registries.source.host() + "/apitest/bundle/charts/sie-cluster:0.3.1";
    }

    private static String helmRepository() {
        return "http://" + RegistryProfile.helm.host() + "/charts";
    }

    private static JsonPath submit(String body) {
        return given().contentType(ContentType.JSON).body(body).when().post("/v1/mirrors").then().statusCode(202)
                .extract().jsonPath();
    }

    private static JsonPath bundle(String name, String status) {
        return Poll.until(() -> {
            JsonPath b = given().when().get("/v1/bundles/" + name).then().statusCode(200).extract().jsonPath();
            return status.equals(b.getString("status")) && b.getString("manifestUrl") != null ? Optional.of(b)
                    : Optional.empty();
        }, LIMIT, "bundle " + name + " " + status, () -> "");
    }

    @Test
    void aBundleOfAModelAnImageAndTwoChartsEndsOnceWithItsBillOfMaterials() throws IOException {
        // Given: a model on the Hub, an index and an OCI chart in the token-protected source, a classic chart
        SimRepo repo = hub.sim().model("org/bundled-model");
        SimCommit c = repo.commit().lfsFile("weights.bin", 2 * 1024 * 1024 + 3, 5).textFile("config.json", "{}");
        repo.branch("main", c);

        // When
        JsonPath accepted = submit("{\"models\": [\"org/bundled-model\"], \"images\": [\"" + image() + "\"], "
                + "\"charts\": [\"" + ociChart() + "\", {\"repository\": \"" + helmRepository() + "\", \"name\": "
                + "\"keda\", \"version\": \"2.14.2\"}], \"bundle\": \"sie-v0.3.1\"}");

        // Then: four jobs of the bundle; the image and charts show where they go (one segment dropped, under sie/)
        String target = registries.basicTarget.host();
        assertThat(accepted.getList("jobs.type")).containsExactly("model", "image", "chart", "chart");
        assertThat(accepted.getList("jobs.bundle")).containsOnly("sie-v0.3.1");
        assertThat(accepted.getString("jobs[1].targetImage")).isEqualTo(target + "/sie/bundle/sie-server:v0.3.1");
        assertThat(accepted.getString("jobs[2].targetImage")).isEqualTo(target + "/sie/bundle/charts/sie-cluster:0.3.1");
        assertThat(accepted.getString("jobs[3].targetImage")).isEqualTo(target + "/sie/charts/keda:2.14.2");
        List<JsonPath> jobs = accepted.getList("jobs.id", String.class).stream().map(RestJobs::awaitFinished).toList();
        assertThat(jobs).extracting(j -> j.getString("status")).containsOnly("SUCCEEDED");
        JsonPath imageJob = jobs.get(1);
        assertThat(imageJob.getString("image.digest")).isEqualTo(indexDigest);
        assertThat(imageJob.getString("image.mapping")).contains("first 1 path segment dropped");
        assertThat(imageJob.getList("image.platforms")).containsExactly("linux/amd64", "linux/arm64");
        assertThat(imageJob.getInt("files.total")).isEqualTo(5);
        assertThat(imageJob.getInt("files.done")).isEqualTo(5);
        assertThat(imageJob.getLong("bytes.done")).isEqualTo(imageJob.getLong("bytes.total"));
        assertThat(jobs.get(2).getString("image.digest")).isEqualTo(chartDigest);
        assertThat(new String(Skopeo.inspectRaw(imageJob.getString("image.target"), TestRegistries.creds()),
                StandardCharsets.UTF_8)).isEqualTo(new String(Skopeo.inspectRaw(image(), TestRegistries.creds()),
                        StandardCharsets.UTF_8));

        // and the bundle: its manifest in the store and on the API, every snapshot with its commit, every
        // image and chart with its digest
        JsonPath b = bundle("sie-v0.3.1", "SUCCEEDED");
        assertThat(b.getString("snapshots[0].commit")).isEqualTo(c.sha());
        assertThat(b.getString("snapshots[0].snapshotUrl")).contains("models--org--bundled-model/snapshots/" + c.sha());
        assertThat(b.getString("images[0].digest")).isEqualTo(indexDigest);
        assertThat(b.getList("charts.digest")).hasSize(2).contains(chartDigest);
        Path manifest = hub.storeRoot().resolve("bundles/sie-v0.3.1.json");
        assertThat(manifest).exists();
        assertThat(Files.readString(manifest)).contains(c.sha(), indexDigest, chartDigest, "\"SUCCEEDED\"");

        // and verify says every piece is where it went
        given().queryParam("ref", image()).when().get("/v1/verify/image").then().statusCode(200)
                .body("status", equalTo("COMPLETE")).body("manifests.present", equalTo(3))
                .body("blobs.expected", equalTo(5));
        given().queryParam("ref", ociChart()).when().get("/v1/verify/chart").then().statusCode(200)
                .body("status", equalTo("COMPLETE"));
        given().queryParam("repository", helmRepository()).queryParam("name", "keda").queryParam("version", "2.14.2")
                .when().get("/v1/verify/chart").then().statusCode(200).body("status", equalTo("COMPLETE"));
        given().when().get("/v1/verify/bundle/sie-v0.3.1").then().statusCode(200).body("status", equalTo("COMPLETE"))
                .body("snapshots[0].status", equalTo("COMPLETE")).body("images.size()", equalTo(1))
                .body("charts.size()", equalTo(2));

        // and the registry metrics counted it
        String scrape = scrape();
        assertThat(scrape).contains("hubmirror_registry_blobs_total{outcome=\"copied\",registry=\"" + target + "\"")
                .contains("hubmirror_registry_copies_total{kind=\"image\",outcome=\"succeeded\",reason=\"none\"")
                .contains("hubmirror_registry_uploaded_bytes_total{registry=\"" + target + "\"")
                .contains("hubmirror_registry_downloaded_bytes_total{registry=\"" + registries.source.host() + "\"");
        // every registry meter the Grafana dashboard queries is in it (MonitoringTest runs without a registry)
        Set<String> queried = MonitoringTest.dashboardMetrics().stream()
                .filter(name -> name.startsWith(MonitoringTest.REGISTRY_METRICS)).collect(Collectors.toSet());
        assertThat(queried).hasSizeGreaterThanOrEqualTo(5);
        assertThat(queried).allSatisfy(name -> assertThat(scrape).contains("\n" + name + "{"));
    }

    @Test
    void aModelSentToANamedTargetIsVerifiedThereAloneAndAsPartOfItsBundle() {
        // Given
        SimRepo repo = hub.sim().model("org/vaulted-model");
        SimCommit c = repo.commit().lfsFile("weights.bin", 1024 * 1024 + 7, 11).textFile("config.json", "{}");
        repo.branch("main", c);

        // When
        JsonPath accepted = submit("{\"models\": [\"org/vaulted-model\"], \"target\": \"vault\", "
                + "\"bundle\": \"vaulted\"}");

        // Then: the snapshot is in the target's store, not the default one
        JsonPath job = RestJobs.awaitFinished(accepted.getString("jobs[0].id"));
        assertThat(job.getString("status")).isEqualTo("SUCCEEDED");
        Path snapshot = Path.of("models--org--vaulted-model", "snapshots", c.sha());
        assertThat(RegistryProfile.vault.resolve(snapshot).resolve("weights.bin")).hasSize(1024 * 1024 + 7);
        assertThat(hub.storeRoot().resolve(snapshot)).doesNotExist();

        // and verify finds it where it went, and says so of the default store
        given().queryParam("repo", "org/vaulted-model").queryParam("target", "vault").queryParam("deep", "true")
                .when().get("/v1/verify").then().statusCode(200).body("status", equalTo("COMPLETE"))
                .body("commit", equalTo(c.sha()));
        given().queryParam("repo", "org/vaulted-model").when().get("/v1/verify").then().statusCode(200)
                .body("status", equalTo("NOT_MIRRORED"));
        given().queryParam("repo", "org/vaulted-model").queryParam("target", "elsewhere").when().get("/v1/verify")
                .then().statusCode(400).body("error.reason", equalTo("INVALID_REQUEST"))
                .body("error.message", containsString("unknown target 'elsewhere'"))
                .body("error.message", containsString("[vault]"));

        // and the bundle's verify checks the snapshot in the target store
        bundle("vaulted", "SUCCEEDED");
        given().when().get("/v1/verify/bundle/vaulted").then().statusCode(200).body("status", equalTo("COMPLETE"))
                .body("snapshots[0].status", equalTo("COMPLETE")).body("notChecked.size()", equalTo(0));
    }

    @Test
    void aBundleWhoseImageDoesNotExistFailsAndSaysWhy() {
        // When
        JsonPath accepted = submit("{\"images\": [\"" + registries.source.host() + "/apitest/missing/image:v9\"], "
                + "\"bundle\": \"broken-bundle\"}");

        // Then
        JsonPath job = RestJobs.awaitFinished(accepted.getString("jobs[0].id"));
        assertThat(job.getString("status")).isEqualTo("FAILED");
        assertThat(job.getString("error.reason")).isEqualTo("IMAGE_NOT_FOUND");
        JsonPath b = bundle("broken-bundle", "FAILED");
        assertThat(b.getString("images[0].reason")).isEqualTo("IMAGE_NOT_FOUND");
        given().when().get("/v1/verify/bundle/broken-bundle").then().statusCode(200)
                .body("status", equalTo("FAILED_ITEMS")).body("notChecked[0]", containsString("IMAGE_NOT_FOUND"));
        given().when().get("/v1/bundles/never-requested").then().statusCode(404)
                .body("error.reason", equalTo("BUNDLE_NOT_FOUND"));
    }

    @Test
    void refusesInvalidImagesChartsPlatformsAndBundleNamesAndSubmitsNothing() {
        given().contentType(ContentType.JSON).body("{\"images\": [\"Not A Reference\", \"ghcr.io/org/name\"], "
                + "\"charts\": [{\"repository\": \"ftp://charts.example\", \"name\": \"keda\", \"version\": \"1\"}, "
                + "\"ghcr.io/org/chart:1\"]}").when().post("/v1/mirrors").then().statusCode(400)
                .body("error.reason", equalTo("INVALID_REQUEST"))
                .body("error.message", containsString("images[0]"))
                .body("error.message", containsString("images[1]"))
                .body("error.message", containsString("neither a tag nor a digest"))
                .body("error.message", containsString("charts[0]"))
                .body("error.message", containsString("charts[1]"));
        given().contentType(ContentType.JSON).body("{\"images\": [\"" + image() + "\"], \"platforms\": [\"linux\"]}")
                .when().post("/v1/mirrors").then().statusCode(400).body("error.message", containsString("platforms[0]"));
        given().contentType(ContentType.JSON).body("{\"images\": [\"" + image() + "\"], \"bundle\": \"no/slash\"}")
                .when().post("/v1/mirrors").then().statusCode(400).body("error.message", containsString("bundle"));
        given().when().get("/v1/jobs?limit=1000").then().statusCode(200)
                .body("jobs.findAll { it.repo == 'ghcr.io/org/name' }.size()", equalTo(0));
    }

    @Test
    void aPlatformFilterIsShownInTheJobAndItsOutcome() {
        // When
        JsonPath accepted = submit("{\"images\": [\"" + registries.source.host() + "/apitest/bundle/sie-server@"
                + indexDigest + "\"], \"platforms\": [\"linux/arm64\"]}");

        // Then: by digest only, the target gets a smaller index of the one platform, by digest
        JsonPath job = RestJobs.awaitFinished(accepted.getString("jobs[0].id"));
        assertThat(job.getString("status")).isEqualTo("SUCCEEDED");
        assertThat(job.getList("image.platformsRequested")).containsExactly("linux/arm64");
        assertThat(job.getBoolean("image.filtered")).isTrue();
        assertThat(job.getString("image.sourceDigest")).isEqualTo(indexDigest);
        assertThat(job.getString("image.digest")).isNotEqualTo(indexDigest);
        assertThat(job.getString("image.target")).endsWith("@" + job.getString("image.digest"));
    }

    @Test
    void followsAnImageJobOverServerSentEventsUntilItSucceeds() {
        // Given: an image job (its blobs copied, or found in place when another test copied it first)
        JsonPath accepted = submit("{\"images\": [\"" + image() + "\"]}");
        String id = accepted.getString("jobs[0].id");

        // When: the whole stream is read (it ends by itself)
        List<JobEventsTest.SseEvent> events = JobEventsTest.SseEvent.parse(given().accept("text/event-stream").when()
                .get("/v1/jobs/" + id + "/events").then().statusCode(200).extract().asString());

        // Then: status events of an image job, counting its blobs, the last one with the digest in the target
        assertThat(events).isNotEmpty();
        JsonPath last = events.get(events.size() - 1).json();
        assertThat(last.getString("type")).isEqualTo("image");
        assertThat(last.getString("status")).isEqualTo("SUCCEEDED");
        assertThat(last.getString("image.digest")).isEqualTo(indexDigest);
        assertThat(last.getInt("files.total")).isEqualTo(5);
        long previous = -1;
        for (JobEventsTest.SseEvent event : events) {
            long done = event.json().getLong("bytes.done");
            assertThat(done).isGreaterThanOrEqualTo(previous);
            previous = done;
        }
    }

    private String scrape() throws IOException {
        try (InputStream in = metrics.openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
