package dev.hubmirror.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hubmirror.config.HubConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token lookup in huggingface_hub's order, against real files in a temporary home. */
class HfTokenLookupTest {

    @TempDir
    Path home;

    @Test
    void hfTokenWinsOverEveryTokenFile() throws IOException {
        // Given
        write(home.resolve(".cache/huggingface/token"), "hf_from_file");

        // When
        Optional<HfTokenLookup.Found> found = find(Map.of("HF_TOKEN", "  hf_from_env\n"));

        // Then
        assertThat(found).map(HfTokenLookup.Found::token).contains("hf_from_env");
        assertThat(found).map(HfTokenLookup.Found::source).contains("env HF_TOKEN");
    }

    @Test
    void theLegacyVariableIsReadWhenHfTokenIsUnsetOrEmpty() {
        assertThat(find(Map.of("HF_TOKEN", "", "HUGGING_FACE_HUB_TOKEN", "hf_legacy")))
                .map(HfTokenLookup.Found::token).contains("hf_legacy");
    }

    @Test
    void aBlankHfTokenFallsThroughToTheTokenFile() throws IOException {
        // Given: huggingface_hub's `HF_TOKEN or ...` keeps "  ", then _clean_token makes it None
        write(home.resolve(".cache/huggingface/token"), "hf_from_file\n");

        // When / Then
        assertThat(find(Map.of("HF_TOKEN", "  \n"))).map(HfTokenLookup.Found::token).contains("hf_from_file");
    }

    @Test
    void hfTokenPathWinsOverHfHomeWhichWinsOverTheDefaultFile() throws IOException {
        // Given
        Path explicit = write(home.resolve("secrets/hf"), "hf_explicit");
        write(home.resolve("hf-home/token"), "hf_home");
        write(home.resolve(".cache/huggingface/token"), "hf_default");

        // When / Then
        assertThat(find(Map.of("HF_TOKEN_PATH", explicit.toString(), "HF_HOME", home.resolve("hf-home").toString())))
                .map(HfTokenLookup.Found::token).contains("hf_explicit");
        assertThat(find(Map.of("HF_HOME", home.resolve("hf-home").toString())))
                .map(HfTokenLookup.Found::token).contains("hf_home");
        assertThat(find(Map.of())).map(HfTokenLookup.Found::token).contains("hf_default");
        assertThat(find(Map.of())).map(HfTokenLookup.Found::source)
                .contains("file " + home.resolve(".cache/huggingface/token"));
    }

    @Test
    void xdgCacheHomeMovesTheDefaultFileAsInHuggingfaceHub() throws IOException {
        // Given
        write(home.resolve("xdg/huggingface/token"), "hf_xdg");

        // When / Then
        assertThat(find(Map.of("XDG_CACHE_HOME", home.resolve("xdg").toString())))
                .map(HfTokenLookup.Found::token).contains("hf_xdg");
    }

    @Test
    void pathsExpandTheHomeDirectoryAndVariables() throws IOException {
        // Given
        write(home.resolve("conf/hf/token"), "hf_expanded");

        // When / Then
        assertThat(find(Map.of("HF_TOKEN_PATH", "~/conf/$SUB/token", "SUB", "hf")))
                .map(HfTokenLookup.Found::token).contains("hf_expanded");
        assertThat(find(Map.of("HF_HOME", "${BASE}/conf/hf", "BASE", home.toString())))
                .map(HfTokenLookup.Found::token).contains("hf_expanded");
        assertThat(HfTokenLookup.expand("$UNKNOWN/x", name -> null, "/home/u")).isEqualTo("$UNKNOWN/x");
    }

    @Test
    void newlinesAnywhereAndSurroundingBlanksAreRemovedAndAnEmptyFileIsNoToken() throws IOException {
        // Given
        Path file = write(home.resolve("t1"), " hf_ab\r\ncd \n");
        Path empty = write(home.resolve("t2"), " \n\n");

        // When / Then
        assertThat(find(Map.of("HF_TOKEN_PATH", file.toString()))).map(HfTokenLookup.Found::token).contains("hf_abcd");
        assertThat(find(Map.of("HF_TOKEN_PATH", empty.toString()))).isEmpty();
    }

    @Test
    void noVariableAndNoFileIsNoToken() {
        assertThat(find(Map.of())).isEmpty();
        assertThat(find(Map.of("HF_TOKEN_PATH", home.resolve("absent").toString()))).isEmpty();
    }

    @Test
    void aTokenFileThatExistsButCannotBeReadFailsNamingTheFile() throws IOException {
        // Given: a directory where the file should be (unreadable as a file, even for root)
        Path dir = Files.createDirectories(home.resolve("dir-not-file"));

        // When / Then
        assertThatThrownBy(() -> find(Map.of("HF_TOKEN_PATH", dir.toString())))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining(dir.toString())
                .hasMessageContaining("HF_TOKEN_PATH");
    }

    @Test
    void theConfigSourceFeedsMirrorHubTokenAndAnExplicitValueWins() throws IOException {
        // Given
        Path file = write(home.resolve("token-file"), "hf_from_file");

        // When
        SmallRyeConfig fromFile = config(Map.of("HF_TOKEN_PATH", file.toString()));
        SmallRyeConfig explicit = config(Map.of("HF_TOKEN_PATH", file.toString(), "mirror.hub.token", "hf_explicit"));
        SmallRyeConfig none = config(Map.of("HF_TOKEN_PATH", home.resolve("absent").toString()));

        // Then
        assertThat(fromFile.getConfigMapping(HubConfig.class).token()).contains("hf_from_file");
        assertThat(fromFile.getConfigValue("mirror.hub.token").getSourceName())
                .contains(HfTokenSource.NAME + ": file " + file).doesNotContain("hf_from_file");
        assertThat(explicit.getConfigMapping(HubConfig.class).token()).contains("hf_explicit");
        assertThat(none.getConfigMapping(HubConfig.class).token()).isEmpty();
    }

    private Optional<HfTokenLookup.Found> find(Map<String, String> env) {
        return HfTokenLookup.find(env::get, home.toString());
    }

    private static SmallRyeConfig config(Map<String, String> values) {
        Map<String, String> all = new HashMap<>(values);
        all.put("mirror.hub.endpoint", "http://127.0.0.1:1");
        return new SmallRyeConfigBuilder()
                .withMapping(HubConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withSources(new PropertiesConfigSource(all, "test", 250))
                .withSources(new HfTokenSource())
                .build();
    }

    private static Path write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }
}
