package dev.hubmirror.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hubmirror.hub.HubFile;
import dev.hubmirror.hub.LfsInfo;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TreeManifestTest {

    @Test
    void rendersLikePythonJsonDumpWithIndentOneSortedByPath() {
        // Given
        HubFile model = new HubFile("model.safetensors", 1234, "a".repeat(40),
                Optional.of(new LfsInfo("b".repeat(64), 1234, 134)));
        HubFile config = new HubFile("config.json", 519, "c".repeat(40), Optional.empty());

        // When
        String json = new String(TreeManifest.render(List.of(model, config)), StandardCharsets.US_ASCII);

        // Then: exactly what json.dump(data, f, indent=1) writes
        assertThat(json).isEqualTo("{\n"
                + " \"format_version\": 1,\n"
                + " \"files\": {\n"
                + "  \"config.json\": {\n"
                + "   \"size\": 519,\n"
                + "   \"blob_id\": \"" + "c".repeat(40) + "\"\n"
                + "  },\n"
                + "  \"model.safetensors\": {\n"
                + "   \"size\": 1234,\n"
                + "   \"blob_id\": \"" + "a".repeat(40) + "\",\n"
                + "   \"lfs_sha256\": \"" + "b".repeat(64) + "\",\n"
                + "   \"lfs_size\": 1234\n"
                + "  }\n"
                + " }\n"
                + "}");
    }

    @Test
    void rendersAnEmptyTree() {
        assertThat(new String(TreeManifest.render(List.of()), StandardCharsets.US_ASCII))
                .isEqualTo("{\n \"format_version\": 1,\n \"files\": {}\n}");
    }

    @Test
    void escapesNonAsciiAndQuotesLikeEnsureAscii() {
        // Given: "é", a quote and an astral character (U+1F600, a surrogate pair in JSON)
        HubFile f = new HubFile("d\u00e9j\u00e0 \"vu\" \uD83D\uDE00.txt", 1, "0".repeat(40), Optional.empty());

        // When
        String json = new String(TreeManifest.render(List.of(f)), StandardCharsets.US_ASCII);

        // Then
        assertThat(json).contains("\"d\\u00e9j\\u00e0 \\\"vu\\\" \\ud83d\\ude00.txt\": {");
    }

    @Test
    void sortsByCodePointLikePython() {
        // U+FF5E (BMP, above the surrogate range) sorts before U+1F600 in Python, after it in UTF-16 order
        HubFile astral = new HubFile("\uD83D\uDE00", 1, "0".repeat(40), Optional.empty());
        HubFile bmp = new HubFile("\uFF5E", 1, "0".repeat(40), Optional.empty());
        String json = new String(TreeManifest.render(List.of(astral, bmp)), StandardCharsets.US_ASCII);
        assertThat(json.indexOf("\\uff5e")).isLessThan(json.indexOf("\\ud83d"));
    }
}
