package dev.hubmirror.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LinkHeaderTest {

    @Test
    void readsTheNextLinkTheHubSends() {
        // Given
        String header = "<https://huggingface.co/api/models/org/m/tree/abc?recursive=true&cursor=eyJmaWxlIjoi>; "
                + "rel=\"next\"";

        // When / Then
        assertThat(LinkHeader.next(List.of(header)))
                .contains("https://huggingface.co/api/models/org/m/tree/abc?recursive=true&cursor=eyJmaWxlIjoi");
    }

    @Test
    void picksNextAmongSeveralLinksAndHeaderLines() {
        // Given
        List<String> headers = List.of("<https://h/a?p=1>; rel=\"prev\"",
                "<https://h/first>; rel=first, <https://h/b?c=1,2;3>; title=\"x, y; rel=next\"; rel=\"next\"");

        // When / Then
        assertThat(LinkHeader.next(headers)).contains("https://h/b?c=1,2;3");
    }

    @Test
    void acceptsUnquotedCaseInsensitiveAndMultiValuedRel() {
        assertThat(LinkHeader.next("<https://h/x>;rel=NEXT")).contains("https://h/x");
        assertThat(LinkHeader.next("  < https://h/y >  ;  REL = \"prefetch next\" ")).contains("https://h/y");
        assertThat(LinkHeader.next("</relative?cursor=2>; rel=next")).contains("/relative?cursor=2");
    }

    @Test
    void findsNoNextWhenThereIsNone() {
        assertThat(LinkHeader.next(List.of("<https://h/x>; rel=\"prev\""))).isEmpty();
        assertThat(LinkHeader.next(List.of())).isEmpty();
        assertThat(LinkHeader.next((List<String>) null)).isEmpty();
        assertThat(LinkHeader.next(Arrays.asList((String) null))).isEmpty();
        assertThat(LinkHeader.next("rel=\"next\"")).isEmpty();
        assertThat(LinkHeader.next("<>; rel=next")).isEmpty();
        assertThat(LinkHeader.next("<https://h/unclosed; rel=next")).isEmpty();
    }

    @Test
    void skipsGarbageBetweenLinks() {
        assertThat(LinkHeader.next("<https://h/a>; rel=prev junk \"quoted, comma\", <https://h/b>; rel=next"))
                .contains("https://h/b");
        assertThat(LinkHeader.next("<https://h/a>; title=\"unterminated, <https://h/b>; rel=next")).isEmpty();
    }
}
