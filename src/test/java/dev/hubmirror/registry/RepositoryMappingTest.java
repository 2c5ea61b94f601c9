package dev.hubmirror.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The documented mapping from source to target repository. */
class RepositoryMappingTest {

    @Test
    void byDefaultDropsOnlyTheSourceHost() {
        RepositoryMapping m = new RepositoryMapping("private-registry.example.com", 0, "", "charts");

        assertThat(m.target(ImageReference.parse("ghcr.io/superlinked/sie-server:v0.3.1")))
                .hasToString("private-registry.example.com/superlinked/sie-server:v0.3.1");
    }

    @Test
    void dropsLeadingSegmentsAndAddsAPrefixKeepingTagAndDigest() {
        // Given: the air-gap guide's layout
        RepositoryMapping m = new RepositoryMapping("Private-Registry.example.com", 1, "/sie/", "charts");
        String digest = "sha256:" + "0f".repeat(32);

        // Then
        assertThat(m.target(ImageReference.parse("ghcr.io/superlinked/sie-server:v0.3.1")))
                .hasToString("private-registry.example.com/sie/sie-server:v0.3.1");
        assertThat(m.target(ImageReference.parse("oci://ghcr.io/superlinked/charts/sie-cluster:0.3.1")))
                .hasToString("private-registry.example.com/sie/charts/sie-cluster:0.3.1");
        assertThat(m.target(ImageReference.parse("ghcr.io/superlinked/sie-config@" + digest)))
                .hasToString("private-registry.example.com/sie/sie-config@" + digest);
        assertThat(m.classicChart("keda", "2.14.2")).hasToString("private-registry.example.com/sie/charts/keda:2.14.2");
        assertThat(m.describe()).contains("first 1 path segment dropped").contains("prefix 'sie'");
    }

    @Test
    void theLastSegmentAlwaysStays() {
        RepositoryMapping m = new RepositoryMapping("r.example", 5, "mirror", "charts");

        assertThat(m.target(ImageReference.parse("nginx:1.27"))).hasToString("r.example/mirror/nginx:1.27");
    }

    @Test
    void refusesAnInvalidPrefixOrNoTarget() {
        assertThatThrownBy(() -> new RepositoryMapping("r.example", 0, "Bad Prefix", "charts"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mirror.registry.mapping");
        assertThatThrownBy(() -> new RepositoryMapping(" ", 0, "", "charts"))
                .hasMessageContaining("mirror.registry.target.url");
        assertThatThrownBy(() -> new RepositoryMapping("r.example", -1, "", "charts"))
                .hasMessageContaining("drop-segments");
    }
}
