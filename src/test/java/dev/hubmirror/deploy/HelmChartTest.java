package dev.hubmirror.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Helm chart {@code k8s/helm/hub-mirror} against the kustomize tree it must stay equivalent to: a real Helm (the
 * Go library, through helm-java) lints it strictly and renders it for the default values and for each overlay's
 * equivalent ({@code ci/<overlay>-values.yaml}); {@code kubectl kustomize} renders the base and the overlays; the
 * objects are compared after removing only what the two tools name differently (labels, selectors, the ConfigMap's
 * hash suffix, the chart's config checksum): images, environment (the ConfigMap resolved into it), probes, resources,
 * security contexts, ports, service accounts, network policies, monitoring and KEDA objects must be equal.
 *
 * <p>Needs {@code kubectl} (with kustomize v4 or newer) on the PATH: {@code .ci/lint-deploy.sh}, which CI runs first,
 * installs it. Rendered files are kept in {@code target/helm/}.
 */
class HelmChartTest {

    private static final Path CHART = Path.of("k8s", "helm", "hub-mirror");
    private static final Path OUT = Path.of("target", "helm");
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final String RELEASE = "hub-mirror";

    @TempDir
    Path temp;

    @Test
    void theChartLintsStrictlyAndRendersEveryObjectOfTheBaseButTheNamespaceWithItsDefaultValues() {
        // When
        LintResult lint = new Helm(CHART).lint().strict().call();
        List<JsonNode> chart = render("defaults", null);

        // Then
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
        List<String> kustomizeKinds = kinds(kustomize("k8s/base"));
        kustomizeKinds.remove("Namespace/hub-mirror");
        assertThat(kinds(chart)).containsExactlyInAnyOrderElementsOf(kustomizeKinds);
        assertThat(deployment(chart).at("/spec/template/spec/containers/0/image").asText())
                .isEqualTo("registry.internal/hub-mirror:0.1.0");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"base", "s3-irsa", "gcs-workload-identity", "minio-static-keys"})
    void theChartWithAnOverlaysValuesLintsAndRendersWhatKustomizeRendersForIt(String overlay) {
        // Given
        Path values = CHART.resolve("ci").resolve(overlay + "-values.yaml");
        String target = overlay.equals("base") ? "k8s/base" : "k8s/overlays/" + overlay;

        // When
        LintResult lint = new Helm(chartWithValues(values)).lint().strict().call();
        List<JsonNode> chart = render(overlay, values);
        List<JsonNode> kustomize = kustomize(target);

        // Then
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
        assertThat(kinds(chart)).containsExactlyInAnyOrderElementsOf(kinds(kustomize));
        Map<String, JsonNode> expected = byKind(normalize(kustomize));
        Map<String, JsonNode> actual = byKind(normalize(chart));
        SoftAssertions objects = new SoftAssertions();
        for (Map.Entry<String, JsonNode> e : expected.entrySet()) {
            objects.assertThat(actual.get(e.getKey())).as(overlay + ": " + e.getKey()).isEqualTo(e.getValue());
        }
        objects.assertAll();
    }

    @Test
    void theDashboardConfigMapIsTheOneOfKustomizeMonitoring() {
        // When
        Path values = CHART.resolve("ci").resolve("monitoring-values.yaml");
        List<JsonNode> chart = render("monitoring", values);
        List<JsonNode> kustomize = kustomize("k8s/monitoring");

        // Then
        JsonNode expected = kustomize.get(0);
        JsonNode actual = chart.stream().filter(o -> o.at("/metadata/name").asText().equals("hub-mirror-dashboard"))
                .findFirst().orElseThrow();
        assertThat(actual.at("/metadata/namespace").asText()).isEqualTo("monitoring");
        assertThat(actual.at("/metadata/labels/grafana_dashboard").asText()).isEqualTo("1");
        assertThat(actual.get("data")).isEqualTo(expected.get("data"));
    }

    @Test
    void theMemoryBudgetSizesDirectMemoryTheHeapAndTheContainerAsTheDeploymentGuideSays() {
        // When a 2G budget (docs/deployment.md: -XX:MaxDirectMemorySize=2112m, -Xmx256m and 2560Mi), and the same
        // budget into GCS, whose client keeps its upload chunks on the heap (-Xmx2304m and 4608Mi)
        JsonNode container = deployment(render("budget-2g", null, Map.of("memory.budgetMiB", 2048)))
                .at("/spec/template/spec/containers/0");
        JsonNode gcs = deployment(render("budget-2g-gcs", null, Map.of("memory.budgetMiB", 2048, "store.url",
                "gs://bucket/weights"))).at("/spec/template/spec/containers/0");

        // Then
        assertThat(env(container)).containsEntry("MIRROR_TRANSFER_MEMORY_BUDGET", "2048M").containsEntry(
                "JDK_JAVA_OPTIONS", "-XX:+UseSerialGC -Xms64m -Xmx256m -XX:MaxDirectMemorySize=2112m"
                        + " -XX:+ExitOnOutOfMemoryError -Djava.util.logging.manager=org.jboss.logmanager.LogManager");
        assertThat(container.at("/resources/requests/memory").asText()).isEqualTo("2560Mi");
        assertThat(container.at("/resources/limits/memory").asText()).isEqualTo("2560Mi");
        assertThat(env(gcs).get("JDK_JAVA_OPTIONS"))
                .startsWith("-XX:+UseSerialGC -Xms64m -Xmx2304m -XX:MaxDirectMemorySize=2112m ");
        assertThat(gcs.at("/resources/limits/memory").asText()).isEqualTo("4608Mi");
    }

    private static Map<String, String> env(JsonNode container) {
        Map<String, String> env = new TreeMap<>();
        container.get("env").forEach(e -> env.put(e.get("name").asText(), e.path("value").asText()));
        return env;
    }

    @Test
    void kafkaOffRendersNoBrokersNoKafkaPolicyAndNoScaledObject() {
        // When
        List<JsonNode> chart = render("kafka-off", null, Map.of("kafka.enabled", false));

        // Then
        assertThat(kinds(chart)).doesNotContain("ScaledObject/hub-mirror", "NetworkPolicy/hub-mirror-egress-kafka");
        JsonNode config = chart.stream().filter(o -> o.get("kind").asText().equals("ConfigMap")).findFirst()
                .orElseThrow();
        assertThat(config.get("data").has("KAFKA_BOOTSTRAP_SERVERS")).isFalse();
    }

    @Test
    void anImageFromAPrivateRegistryIsPinnedByDigestWithItsPullSecret() {
        // When
        String digest = "sha256:" + "ab".repeat(32);
        JsonNode pod = deployment(render("private-registry", null, Map.of("image.registry", "airgap.internal:5000",
                "image.repository", "mirror/hub-mirror", "image.tag", "1.2.3", "image.digest", digest,
                "imagePullSecrets[0].name", "regcred"))).at("/spec/template/spec");

        // Then
        assertThat(pod.at("/containers/0/image").asText())
                .isEqualTo("airgap.internal:5000/mirror/hub-mirror:1.2.3@" + digest);
        assertThat(pod.at("/imagePullSecrets/0/name").asText()).isEqualTo("regcred");
    }

    @Test
    void everyOptionalObjectCanBeSwitchedOffAndWithoutKedaTheReplicaCountIsSet() {
        // When
        Map<String, Object> off = new TreeMap<>(Map.of("networkPolicy.enabled", false, "serviceMonitor.enabled", false,
                "prometheusRule.enabled", false, "podDisruptionBudget.enabled", false, "keda.enabled", false,
                "replicaCount", 2, "config.MIRROR_JOBS_CONCURRENCY", "4"));
        List<JsonNode> chart = render("minimal", null, off);

        // Then
        assertThat(kinds(chart)).containsExactlyInAnyOrder("ServiceAccount/hub-mirror", "ConfigMap/hub-mirror-config",
                "Deployment/hub-mirror", "Service/hub-mirror");
        assertThat(deployment(chart).at("/spec/replicas").asInt()).isEqualTo(2);
        JsonNode config = chart.stream().filter(o -> o.get("kind").asText().equals("ConfigMap")).findFirst()
                .orElseThrow();
        assertThat(config.at("/data/MIRROR_JOBS_CONCURRENCY").asText()).isEqualTo("4");
    }

    @Test
    void aTypoInTheValuesFailsAgainstTheSchema() {
        // When
        Throwable failure = null;
        try {
            render("typo", null, Map.of("store.ulr", "s3://bucket/prefix"));
        } catch (RuntimeException e) {
            failure = e;
        }

        // Then
        assertThat(failure).as("a misspelt key must not render").isNotNull();
        assertThat(failure.getMessage()).contains("ulr");
    }

    // ---- rendering -----------------------------------------------------------------------------------------------

    private List<JsonNode> render(String name, Path values) {
        return render(name, values, Map.of());
    }

    private List<JsonNode> render(String name, Path values, Map<String, Object> set) {
        TemplateCommand template = new Helm(CHART).template().withName(RELEASE).withNamespace("hub-mirror");
        if (values != null) {
            template = template.withValuesFile(values);
        }
        for (Map.Entry<String, Object> e : set.entrySet()) {
            template = template.set(e.getKey(), e.getValue());
        }
        String yaml = template.call();
        write("helm-" + name + ".yaml", yaml);
        return documents(yaml);
    }

    private List<JsonNode> kustomize(String target) {
        try {
            Process p = new ProcessBuilder(kubectl(), "kustomize", target).redirectErrorStream(false).start();
            byte[] out = p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("kubectl kustomize " + target + " failed: " + err);
            }
            String yaml = new String(out, StandardCharsets.UTF_8);
            write("kustomize-" + Path.of(target).getFileName() + ".yaml", yaml);
            return documents(yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String kubectl() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir, "kubectl");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException("kubectl is not on the PATH: run `bash .ci/lint-deploy.sh` (as root it "
                + "installs kubectl) or install kubectl >= 1.21 (kustomize v4+); this test compares the chart with "
                + "`kubectl kustomize` output");
    }

    /** A copy of the chart whose values.yaml is its defaults overlaid with {@code values} (lint takes no -f here). */
    private Path chartWithValues(Path values) {
        try {
            Path copy = temp.resolve("chart-" + values.getFileName().toString().replace(".yaml", ""))
                    .resolve("hub-mirror");
            try (Stream<Path> files = Files.walk(CHART)) {
                for (Path f : files.sorted(Comparator.naturalOrder()).toList()) {
                    Path to = copy.resolve(CHART.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(f, to);
                    }
                }
            }
            ObjectNode merged = (ObjectNode) YAML.readTree(CHART.resolve("values.yaml").toFile());
            merge(merged, (ObjectNode) YAML.readTree(values.toFile()));
            Files.writeString(copy.resolve("values.yaml"), YAML.writeValueAsString(merged), StandardCharsets.UTF_8);
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Helm's merge of a values file over the defaults: maps merge key by key, anything else replaces. */
    private static void merge(ObjectNode base, ObjectNode over) {
        Iterator<Map.Entry<String, JsonNode>> fields = over.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            if (f.getValue().isObject() && base.get(f.getKey()) instanceof ObjectNode b) {
                merge(b, (ObjectNode) f.getValue());
            } else {
                base.set(f.getKey(), f.getValue());
            }
        }
    }

    private static List<JsonNode> documents(String yaml) {
        try {
            List<JsonNode> docs = new ArrayList<>();
            var parser = new YAMLFactory().createParser(yaml);
            for (JsonNode doc : YAML.readValues(parser, JsonNode.class).readAll()) {
                if (doc != null && doc.has("kind")) {
                    docs.add(doc);
                }
            }
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(String file, String content) {
        try {
            Files.createDirectories(OUT);
            Files.writeString(OUT.resolve(file), content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- comparing -----------------------------------------------------------------------------------------------

    private static List<String> kinds(List<JsonNode> objects) {
        List<String> kinds = new ArrayList<>();
        for (JsonNode o : objects) {
            kinds.add(o.get("kind").asText() + "/" + configMapName(o.at("/metadata/name").asText()));
        }
        return kinds;
    }

    private static Map<String, JsonNode> byKind(List<JsonNode> objects) {
        Map<String, JsonNode> map = new TreeMap<>();
        for (JsonNode o : objects) {
            map.put(o.get("kind").asText() + "/" + o.at("/metadata/name").asText(), o);
        }
        return map;
    }

    private static JsonNode deployment(List<JsonNode> objects) {
        return objects.stream().filter(o -> o.get("kind").asText().equals("Deployment")).findFirst().orElseThrow();
    }

    /**
     * Removes what the two tools name differently and nothing else: labels and selectors (the chart adds
     * {@code app.kubernetes.io/instance} and Helm's labels), the namespace field (kustomize sets it, Helm installs
     * into the release namespace), the pod template's metadata (the chart's config checksum), the ConfigMap's hash
     * suffix; and sorts the container environment by name (its order carries no meaning here: no entry refers to
     * another).
     */
    private static List<JsonNode> normalize(List<JsonNode> objects) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode original : objects) {
            ObjectNode o = original.deepCopy();
            ObjectNode metadata = (ObjectNode) o.get("metadata");
            metadata.remove("labels");
            metadata.remove("namespace");
            metadata.put("name", configMapName(metadata.get("name").asText()));
            if (o.get("spec") instanceof ObjectNode spec) {
                spec.remove("selector");
                spec.remove("podSelector");
                if (spec.get("template") instanceof ObjectNode template) {
                    template.remove("metadata");
                    normalizePod((ObjectNode) template.get("spec"));
                }
            }
            out.add(o);
        }
        return out;
    }

    private static void normalizePod(ObjectNode pod) {
        for (JsonNode c : pod.path("topologySpreadConstraints")) {
            ((ObjectNode) c).remove("labelSelector");
        }
        for (JsonNode c : pod.path("containers")) {
            ObjectNode container = (ObjectNode) c;
            for (JsonNode from : container.path("envFrom")) {
                ObjectNode ref = (ObjectNode) from.get("configMapRef");
                ref.put("name", configMapName(ref.get("name").asText()));
            }
            List<JsonNode> env = new ArrayList<>();
            container.path("env").forEach(env::add);
            env.sort(Comparator.comparing(e -> e.get("name").asText()));
            ArrayNode sorted = container.putArray("env");
            env.forEach(sorted::add);
        }
    }

    /** {@code hub-mirror-config-5g8c7m2k4t} (kustomize's content hash) and {@code hub-mirror-config} are one. */
    private static String configMapName(String name) {
        return name.replaceFirst("^(hub-mirror-config)-[a-z0-9]{10}$", "$1");
    }
}
