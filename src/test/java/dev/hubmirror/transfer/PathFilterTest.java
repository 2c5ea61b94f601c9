package dev.hubmirror.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PathFilterTest {

    private static final List<String> PATHS = List.of("config.json", "model.safetensors", "onnx/model.onnx",
            "onnx/sub/model.onnx", "README.md", "Model.SAFETENSORS", "data/train-0001.parquet", "a[1].txt");

    private static List<String> select(List<String> include, List<String> exclude) {
        PathFilter f = PathFilter.of(include, exclude);
        return PATHS.stream().filter(f::accepts).toList();
    }

    @Test
    void selectsEverythingWithoutPatterns() {
        assertThat(select(List.of(), List.of())).isEqualTo(PATHS);
    }

    @Test
    void starCrossesSlashesLikeFnmatch() {
        assertThat(select(List.of("*.onnx"), List.of())).containsExactly("onnx/model.onnx", "onnx/sub/model.onnx");
    }

    @Test
    void matchesCaseSensitively() {
        assertThat(select(List.of("*.safetensors"), List.of())).containsExactly("model.safetensors");
    }

    @Test
    void trailingSlashMeansTheFolder() {
        assertThat(select(List.of(), List.of("onnx/"))).doesNotContain("onnx/model.onnx", "onnx/sub/model.onnx")
                .contains("config.json");
    }

    @Test
    void excludeWinsOverInclude() {
        assertThat(select(List.of("*.json", "*.md"), List.of("README*"))).containsExactly("config.json");
    }

    @Test
    void questionMarkAndCharacterClassesWork() {
        assertThat(select(List.of("data/train-000[0-9].parquet"), List.of())).containsExactly("data/train-0001.parquet");
        assertThat(select(List.of("config.jso?"), List.of())).containsExactly("config.json");
        assertThat(select(List.of("[!cmoRMd]*"), List.of())).containsExactly("a[1].txt");
    }

    @Test
    void unclosedBracketIsALiteral() {
        assertThat(select(List.of("a[1*"), List.of())).containsExactly("a[1].txt");
    }

    @Test
    void backslashesInPatternsAreSeparators() {
        assertThat(select(List.of("onnx\\sub\\*"), List.of())).containsExactly("onnx/sub/model.onnx");
    }

    @Test
    void regexMetacharactersAreLiterals() {
        assertThat(PathFilter.of(List.of("a+b(c).txt"), List.of()).accepts("a+b(c).txt")).isTrue();
        assertThat(PathFilter.of(List.of("a+b(c).txt"), List.of()).accepts("aab(c).txt")).isFalse();
    }

    @Test
    void refusesEmptyPatterns() {
        assertThatThrownBy(() -> PathFilter.of(List.of(""), List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("include pattern");
    }
}
