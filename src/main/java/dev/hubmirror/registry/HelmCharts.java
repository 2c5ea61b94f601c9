package dev.hubmirror.registry;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.registry.RegistryObserver.BlobOutcome;
import io.smallrye.mutiny.Uni;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * A chart of a classic Helm repository ({@code https://repo.example/charts} with its {@code index.yaml}) pushed to the
 * target as an OCI chart, as {@code helm push} would: the repository's index is read (at most
 * {@code max-helm-index-size}, parsed on a worker thread as a stream, only the requested entry kept), the chart archive
 * named by the entry is downloaded (at most {@code max-chart-size}) and checked against the index's sha256, its
 * {@code Chart.yaml} becomes the config ({@code application/vnd.cncf.helm.config.v1+json}, Helm's field order), the
 * archive the one layer ({@code application/vnd.cncf.helm.chart.content.v1.tar+gzip}), and the manifest carries the
 * {@code org.opencontainers.image.*} annotations Helm writes. The tag is the version with {@code +} replaced by
 * {@code _} (OCI tags cannot hold {@code +}; Helm does the same). The same chart always makes the same manifest (the
 * {@code created} annotation comes from the index), so a second run finds everything in place.
 *
 * <p>Provenance files ({@code .prov}) are not mirrored.
 */
final class HelmCharts {

    /** The fields of Helm's {@code chart.Metadata}, in the order Helm writes them into the config. */
    private static final List<String> METADATA_FIELDS = List.of("name", "home", "sources", "version", "description",
            "keywords", "maintainers", "icon", "apiVersion", "condition", "tags", "appVersion", "deprecated",
            "annotations", "kubeVersion", "dependencies", "type");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryMirror engine;
    private final ObjectMapper yaml;

    HelmCharts(RegistryMirror engine) {
        this.engine = engine;
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit((int) Math.min(Integer.MAX_VALUE, engine.settings().maxHelmIndexBytes()));
        options.setAllowDuplicateKeys(true);
        this.yaml = new ObjectMapper(YAMLFactory.builder().loaderOptions(options).build());
    }

    /** An entry of the index: where the archive is, its sha256 (hex, or ""), when it was packaged (or ""). */
    private record Entry(List<String> urls, String digest, String created) {
    }

    Uni<ImageCopyResult> copy(URI repository, String name, String version, ImageReference target,
            CopyProgress progress) {
        URI base = withSlash(repository);
        RegistryCall indexCall = new RegistryCall("index.yaml of the Helm repository " + RegistryFailures.redacted(base),
                base.getRawAuthority(), name, true);
        URI indexUrl = base.resolve("index.yaml");
        int maxIndex = (int) engine.settings().maxHelmIndexBytes();
        int maxChart = (int) Math.min(Integer.MAX_VALUE - 16, engine.settings().maxChartBytes());
        String what = "chart " + name + " " + version + " of " + RegistryFailures.redacted(base);
        return engine.client().download(indexUrl, maxIndex, indexCall, Reason.MANIFEST_INVALID)
                .emitOn(engine.hashing())
                .map(index -> find(index, name, version, what))
                .chain(entry -> {
                    URI archiveUrl = archiveUrl(base, entry, what);
                    RegistryCall archiveCall = new RegistryCall("chart archive " + name + "-" + version,
                            archiveUrl.getRawAuthority(), name, true);
                    return engine.client().download(archiveUrl, maxChart, archiveCall, Reason.MANIFEST_INVALID)
                            .emitOn(engine.hashing())
                            .chain(archive -> push(archive, entry, name, version, target, what, progress));
                });
    }

    private static URI withSlash(URI repository) {
        String s = repository.toString();
        return URI.create(s.endsWith("/") ? s : s + "/");
    }

    private Entry find(byte[] index, String name, String version, String what) {
        try (JsonParser p = yaml.getFactory().createParser(index)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw invalid(what, "its index.yaml is not a YAML mapping");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (!field.equals("entries") || value != JsonToken.START_OBJECT) {
                    p.skipChildren();
                    continue;
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String chart = p.currentName();
                    JsonToken versions = p.nextToken();
                    if (!chart.equals(name) || versions != JsonToken.START_ARRAY) {
                        p.skipChildren();
                        continue;
                    }
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        JsonNode entry = p.readValueAsTree();
                        if (version.equals(entry.path("version").asText(null))) {
                            return entry(entry, what);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw invalid(what, "its index.yaml is not valid YAML (" + RegistryFailures.quote(e.getMessage()) + ")");
        }
        throw new MirrorException(Reason.CHART_NOT_FOUND, what + ": the repository's index.yaml has no version "
                + version + " of chart " + name + "; check the name, the version and the repository URL");
    }

    private static Entry entry(JsonNode entry, String what) {
        List<String> urls = new ArrayList<>();
        entry.path("urls").forEach(u -> urls.add(u.asText()));
        if (urls.isEmpty() || urls.get(0).isBlank()) {
            throw invalid(what, "its index entry has no urls");
        }
        String digest = entry.path("digest").asText("").trim().toLowerCase(Locale.ROOT);
        if (digest.startsWith("sha256:")) {
            digest = digest.substring(7);
        }
        if (!digest.isEmpty() && !digest.matches("[0-9a-f]{64}")) {
            throw invalid(what, "its index entry's digest is not a sha256");
        }
        return new Entry(urls, digest, entry.path("created").asText(""));
    }

    private static URI archiveUrl(URI base, Entry entry, String what) {
        URI url;
        try {
            url = base.resolve(new URI(entry.urls().get(0).trim().replace(" ", "%20")));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw invalid(what, "its index entry's url is malformed");
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || url.getHost() == null) {
            throw invalid(what, "its index entry's url is not http(s)");
        }
        if (base.getScheme().equalsIgnoreCase("https") && scheme.equals("http")) {
            throw new MirrorException(Reason.REDIRECT_REFUSED, what + ": the repository (https) names a plain-http "
                    + "archive URL; refused");
        }
        return url;
    }

    private Uni<ImageCopyResult> push(byte[] archive, Entry entry, String name, String version,
            ImageReference target, String what, CopyProgress progress) {
        Digest layerDigest = Digest.of(archive);
        if (!entry.digest().isEmpty() && !layerDigest.hex().equals(entry.digest())) {
            return Uni.createFrom().failure(new MirrorException(Reason.CHECKSUM_MISMATCH, what + ": the archive "
                    + "hashes to " + layerDigest + ", the index lists sha256:" + entry.digest() + "; nothing was "
                    + "pushed. The repository serves corrupt data (or something in between changed it)."));
        }
        ObjectNode metadata;
        try {
            JsonNode parsed = yaml.readTree(ChartArchive.chartYaml(archive, what));
            if (!(parsed instanceof ObjectNode o)) {
                throw invalid(what, "its Chart.yaml is not a YAML mapping");
            }
            metadata = o;
        } catch (IOException e) {
            throw invalid(what, "its Chart.yaml is not valid YAML");
        }
        if (!name.equals(metadata.path("name").asText()) || !version.equals(metadata.path("version").asText())) {
            throw invalid(what, "its Chart.yaml names " + Digest.printable(metadata.path("name").asText()) + " "
                    + Digest.printable(metadata.path("version").asText()));
        }
        byte[] config = config(metadata);
        Descriptor configBlob = Descriptor.of(MediaTypes.HELM_CONFIG, Digest.of(config), config.length);
        Descriptor layer = Descriptor.of(MediaTypes.HELM_CHART, layerDigest, archive.length);
        byte[] manifestBytes = manifest(configBlob, layer, metadata, entry.created());
        Manifest manifest = Manifest.parse(manifestBytes, MediaTypes.OCI_MANIFEST, what);
        ImageReference tagged = new ImageReference(target.registry(), target.repository(), tag(version), null);
        progress.planned(2, config.length + (long) archive.length);
        return engine.pushBytes(tagged, configBlob, config).chain(c -> {
            progress.transferred(config.length);
            progress.blobDone(configBlob.digest(), configBlob.size(), c);
            return engine.pushBytes(tagged, layer, archive).map(l -> {
                progress.transferred(archive.length);
                progress.blobDone(layer.digest(), layer.size(), l);
                return List.of(c, l);
            });
        }).chain(outcomes -> engine.client().putManifest(tagged.registry(), tagged.repository(), tagged.tag(),
                manifest).map(ok -> {
                    int copied = (int) outcomes.stream().filter(o -> o == BlobOutcome.COPIED).count();
                    long bytes = (outcomes.get(0) == BlobOutcome.COPIED ? config.length : 0)
                            + (outcomes.get(1) == BlobOutcome.COPIED ? archive.length : 0);
                    return new ImageCopyResult(tagged, tagged, manifest.digest(), manifest.digest(),
                            MediaTypes.OCI_MANIFEST, List.of(), false, 1, copied, 0, 2 - copied, bytes,
                            config.length + (long) archive.length);
                }));
    }

    /** The OCI tag of a chart version: Helm replaces {@code +} (not allowed in tags) with {@code _}. */
    static String tag(String version) {
        return RepositoryMapping.chartTag(version);
    }

    /** Helm's config: the Chart.yaml fields of {@code chart.Metadata}, in its order, empty ones left out. */
    private static byte[] config(ObjectNode metadata) {
        ObjectNode config = JSON.createObjectNode();
        for (String field : METADATA_FIELDS) {
            JsonNode value = metadata.get(field);
            if (value != null && !value.isNull() && !(value.isContainerNode() && value.isEmpty())
                    && !(value.isTextual() && value.asText().isEmpty()) && !(value.isBoolean() && !value.asBoolean())) {
                config.set(field, value);
            }
        }
        try {
            return JSON.writeValueAsBytes(config);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a chart config", e);
        }
    }

    private static byte[] manifest(Descriptor config, Descriptor layer, ObjectNode metadata, String created) {
        TreeMap<String, String> annotations = new TreeMap<>();
        if (!created.isBlank()) {
            annotations.put("org.opencontainers.image.created", created.trim());
        }
        String description = metadata.path("description").asText("");
        if (!description.isEmpty()) {
            annotations.put("org.opencontainers.image.description", description);
        }
        annotations.put("org.opencontainers.image.title", metadata.path("name").asText());
        annotations.put("org.opencontainers.image.version", metadata.path("version").asText());
        ObjectNode m = JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", MediaTypes.OCI_MANIFEST);
        m.set("config", descriptor(config));
        m.putArray("layers").add(descriptor(layer));
        ObjectNode a = m.putObject("annotations");
        annotations.forEach(a::put);
        try {
            return JSON.writeValueAsString(m).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a chart manifest", e);
        }
    }

    private static ObjectNode descriptor(Descriptor d) {
        ObjectNode n = JSON.createObjectNode();
        n.put("mediaType", d.mediaType());
        n.put("digest", d.digest().value());
        n.put("size", d.size());
        return n;
    }

    private static MirrorException invalid(String what, String detail) {
        return new MirrorException(Reason.MANIFEST_INVALID, what + " cannot be pushed: " + detail + "; nothing was "
                + "pushed");
    }
}
