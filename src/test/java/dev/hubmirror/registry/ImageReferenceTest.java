package dev.hubmirror.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Image references as docker pull takes them, and the ones a request must not get through. */
class ImageReferenceTest {

    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    @Test
    void readsRegistryRepositoryAndTag() {
        // When
        ImageReference ref = ImageReference.parse("ghcr.io/superlinked/sie-server:v0.3.1");

        // Then
        assertThat(ref.registry()).isEqualTo("ghcr.io");
        assertThat(ref.repository()).isEqualTo("superlinked/sie-server");
        assertThat(ref.tag()).isEqualTo("v0.3.1");
        assertThat(ref.digest()).isNull();
        assertThat(ref.reference()).isEqualTo("v0.3.1");
        assertThat(ref).hasToString("ghcr.io/superlinked/sie-server:v0.3.1");
    }

    @Test
    void aDigestIsWhatIsFetchedAndTheTagWhatTheTargetGets() {
        // When
        ImageReference ref = ImageReference.parse("ghcr.io/org/name:v1@" + DIGEST);

        // Then
        assertThat(ref.reference()).isEqualTo(DIGEST);
        assertThat(ref.tag()).isEqualTo("v1");
    }

    @Test
    void readsAPortAnOciPrefixAndDockerHubNames() {
        assertThat(ImageReference.parse("127.0.0.1:5000/a/b:1").registry()).isEqualTo("127.0.0.1:5000");
        assertThat(ImageReference.parse("oci://ghcr.io/superlinked/charts/sie-cluster:0.3.1").repository())
                .isEqualTo("superlinked/charts/sie-cluster");
        assertThat(ImageReference.parse("nginx:1.27")).hasToString("docker.io/library/nginx:1.27");
        assertThat(ImageReference.parse("bitnami/redis:7")).hasToString("docker.io/bitnami/redis:7");
        assertThat(ImageReference.parse("index.docker.io/library/busybox:1").registry()).isEqualTo("docker.io");
        assertThat(ImageReference.parse("localhost/x:1").registry()).isEqualTo("localhost");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ghcr.io/org/name", "", "ghcr.io/Org/name:v1", "ghcr.io/org/name:-bad",
        "https://ghcr.io/org/name:v1", "ghcr.io/org//name:v1", "ghcr.io/org/name@sha256:abc",
        "ghcr.io/org/name@md5:0123456789abcdef0123456789abcdef", "ghcr.io/../etc:v1", "ghcr.io/org/na me:v1",
        "ghcr.io/org/name:v1\u0000"})
    void refusesReferencesThatAreNotValid(String text) {
        assertThatThrownBy(() -> ImageReference.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesATooLongName() {
        assertThatThrownBy(() -> ImageReference.parse("ghcr.io/" + "a".repeat(256) + ":v1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("255");
    }
}
