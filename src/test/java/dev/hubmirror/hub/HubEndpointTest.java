package dev.hubmirror.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class HubEndpointTest {

    private static final String SHA = "0123456789abcdef0123456789abcdef01234567";

    @Test
    void encodesTheRevisionAsOnePathSegment() {
        // Given
        HubEndpoint endpoint = new HubEndpoint("https://huggingface.co/");

        // When
        URI url = endpoint.revisionUrl(RepoRef.model("org/name", "refs/pr/1"));

        // Then
        assertThat(url.toString()).isEqualTo("https://huggingface.co/api/models/org/name/revision/refs%2Fpr%2F1");
    }

    @Test
    void buildsDatasetTreeAndFileUrls() {
        // Given
        HubEndpoint endpoint = new HubEndpoint("http://127.0.0.1:8080/mirror");
        RepoRef ref = new RepoRef(HfRepoId.parse("org/ds"), RepoType.DATASET, "main");

        // When / Then
        assertThat(endpoint.treeUrl(ref, SHA, 1000).toString())
                .isEqualTo("http://127.0.0.1:8080/mirror/api/datasets/org/ds/tree/" + SHA + "?recursive=true&limit=1000");
        assertThat(endpoint.resolveUrl(ref, SHA, "data/train 1.parquet").toString())
                .isEqualTo("http://127.0.0.1:8080/mirror/datasets/org/ds/resolve/" + SHA + "/data/train%201.parquet");
        assertThat(endpoint.repoPage(ref)).isEqualTo("http://127.0.0.1:8080/mirror/datasets/org/ds");
    }

    @Test
    void encodesEachPathSegmentAsUtf8() {
        assertThat(HubEndpoint.encodePath("dir/ünï cødé+#?%.bin"))
                .isEqualTo("dir/%C3%BCn%C3%AF%20c%C3%B8d%C3%A9%2B%23%3F%25.bin");
        assertThat(HubEndpoint.encodePath("a-b_c.d~e/x")).isEqualTo("a-b_c.d~e/x");
    }

    @Test
    void onlyTheExactOriginIsTheHub() {
        // Given
        HubEndpoint endpoint = new HubEndpoint("https://huggingface.co");

        // When / Then
        assertThat(endpoint.isOrigin(URI.create("https://huggingface.co:443/api/x"))).isTrue();
        assertThat(endpoint.isOrigin(URI.create("https://HuggingFace.co/x"))).isTrue();
        assertThat(endpoint.isOrigin(URI.create("http://huggingface.co/x"))).isFalse();
        assertThat(endpoint.isOrigin(URI.create("https://huggingface.co:8443/x"))).isFalse();
        assertThat(endpoint.isOrigin(URI.create("https://cdn-lfs.huggingface.co/x"))).isFalse();
        assertThat(endpoint.sameHost(URI.create("http://huggingface.co:8443/x"))).isTrue();
    }

    @Test
    void redactsQueriesFromUrlsShownToPeople() {
        assertThat(HubEndpoint.redacted(URI.create("https://cdn.hf.co/repos/a/b?X-Amz-Signature=secret&e=1")))
                .isEqualTo("https://cdn.hf.co/repos/a/b?<redacted>");
    }

    @Test
    void rejectsEndpointsThatAreNotHttpBaseUrls() {
        assertThatThrownBy(() -> new HubEndpoint("ftp://huggingface.co")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mirror.hub.endpoint");
        assertThatThrownBy(() -> new HubEndpoint("https://huggingface.co?x=1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HubEndpoint("not a url")).isInstanceOf(IllegalArgumentException.class);
    }
}
