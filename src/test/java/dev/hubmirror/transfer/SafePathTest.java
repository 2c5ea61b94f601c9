package dev.hubmirror.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SafePathTest {

    @ParameterizedTest
    @ValueSource(strings = {"../etc/passwd", "a/../../b", "/abs/path", "a\\b", "a/./b", "a//b", "a/", "nul\0byte",
        "line\nbreak", ""})
    void refusesUnsafePaths(String path) {
        assertThatThrownBy(() -> SafePath.check("org/repo", path)).isInstanceOf(MirrorException.class)
                .satisfies(e -> assertThat(((MirrorException) e).reason()).isEqualTo(Reason.UNSAFE_PATH))
                .hasMessageContaining("org/repo");
    }

    @Test
    void refusesOverlongPathsAndSegments() {
        assertThatThrownBy(() -> SafePath.check("r", "a".repeat(256))).hasMessageContaining("segment longer");
        assertThatThrownBy(() -> SafePath.check("r", ("a".repeat(200) + "/").repeat(5) + "x"))
                .hasMessageContaining("longer than");
    }

    @ParameterizedTest
    @ValueSource(strings = {"config.json", "onnx/model.onnx", "dir with spaces/f\u00fcr \u6a21\u578b.bin", ".gitattributes",
        "a..b/c"})
    void acceptsOrdinaryPaths(String path) {
        assertThat(SafePath.check("r", path)).isEqualTo(path);
    }
}
