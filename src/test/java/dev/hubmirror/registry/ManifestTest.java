package dev.hubmirror.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Manifests as registries serve them: kinds, descriptors, hostile documents, the platform filter. */
class ManifestTest {

    private static final String A = "sha256:" + "a".repeat(64);
    private static final String B = "sha256:" + "b".repeat(64);
    private static final String C = "sha256:" + "c".repeat(64);

    private static final String INDEX = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\","
            + "\"manifests\":[{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + A + "\",\"size\":10,"
            + "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
            + "\",\"digest\":\"" + B + "\",\"size\":11,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\","
            + "\"variant\":\"v8\"}},{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + C + "\","
            + "\"size\":12,\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\"}}],"
            + "\"annotations\":{\"kept\":\"yes\"}}";

    private static Manifest parse(String json, String type) {
        return Manifest.parse(json.getBytes(StandardCharsets.UTF_8), type, "manifest of test");
    }

    @Test
    void readsAnIndexAndKeepsItsExactBytes() {
        Manifest m = parse(INDEX, MediaTypes.OCI_INDEX + "; charset=utf-8");

        assertThat(m.isIndex()).isTrue();
        assertThat(m.children()).extracting(d -> String.valueOf(d.platform())).containsExactly("linux/amd64",
                "linux/arm64/v8", "null");
        assertThat(m.digest()).isEqualTo(Digest.of(INDEX.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void readsAnImageManifestWithoutADeclaredMediaType() {
        Manifest m = parse("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" + MediaTypes.OCI_CONFIG
                + "\",\"digest\":\"" + A + "\",\"size\":2},\"layers\":[{\"mediaType\":\"x\",\"digest\":\"" + B
                + "\",\"size\":0}]}", MediaTypes.OCI_MANIFEST);

        assertThat(m.isIndex()).isFalse();
        assertThat(m.blobs()).extracting(d -> d.digest().value()).containsExactly(A, B);
    }

    @Test
    void aPlatformFilterKeepsTheSelectedEntriesAndEveryOtherField() {
        Manifest filtered = parse(INDEX, MediaTypes.OCI_INDEX).filtered(List.of(Platform.parse("linux/arm64")), "x");

        JsonObject json = new JsonObject(new String(filtered.bytes(), StandardCharsets.UTF_8));
        assertThat(filtered.children()).extracting(d -> d.digest().value()).containsExactly(B);
        assertThat(json.getJsonObject("annotations").getString("kept")).isEqualTo("yes");
        assertThat(filtered.digest()).isNotEqualTo(parse(INDEX, MediaTypes.OCI_INDEX).digest());
        assertThatThrownBy(() -> parse(INDEX, MediaTypes.OCI_INDEX).filtered(List.of(Platform.parse("windows/amd64")),
                "x")).isInstanceOf(MirrorException.class).hasMessageContaining("linux/amd64");
    }

    @Test
    void refusesSchema1NonJsonMalformedDescriptorsAndMismatchedTypes() {
        for (String[] bad : new String[][] {
            {"{\"schemaVersion\":1,\"name\":\"x\"}", MediaTypes.DOCKER_SCHEMA1_SIGNED},
            {"not json", MediaTypes.OCI_MANIFEST},
            {"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"sha256:"
                    + "xyz\",\"size\":1}]}", MediaTypes.OCI_INDEX},
            {"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"c\",\"digest\":\"" + A + "\",\"size\":-1},\"layers\":[]}",
                MediaTypes.OCI_MANIFEST},
            {"{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[]}",
                MediaTypes.DOCKER_MANIFEST},
            {"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.artifact.manifest.v1+json\"}",
                "application/vnd.oci.artifact.manifest.v1+json"},
            {"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + A
                    + "\",\"size\":1}]}", MediaTypes.OCI_INDEX}}) {
            assertThatThrownBy(() -> parse(bad[0], bad[1])).as(bad[0]).isInstanceOf(MirrorException.class)
                    .satisfies(e -> assertThat(((MirrorException) e).reason()).isEqualTo(Reason.MANIFEST_INVALID));
        }
    }
}
