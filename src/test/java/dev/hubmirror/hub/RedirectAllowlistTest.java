package dev.hubmirror.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedirectAllowlistTest {

    @Test
    void wildcardMatchesSubdomainsButNotTheApex() {
        // Given
        RedirectAllowlist allowlist = new RedirectAllowlist(List.of("*.hf.co"));

        // When / Then
        assertThat(allowlist.allows(URI.create("https://cdn-lfs.hf.co/repos/x?sig=1"))).isTrue();
        assertThat(allowlist.allows(URI.create("https://a.b.HF.co/x"))).isTrue();
        assertThat(allowlist.allows(URI.create("https://hf.co/x"))).isFalse();
        assertThat(allowlist.allows(URI.create("https://evilhf.co/x"))).isFalse();
        assertThat(allowlist.allows(URI.create("https://hf.co.evil.com/x"))).isFalse();
    }

    @Test
    void exactHostMatchesAnyPortAndHostPortOnlyThatPort() {
        // Given
        RedirectAllowlist allowlist = new RedirectAllowlist(List.of("cdn.example.com", "127.0.0.1:8443"));

        // When / Then
        assertThat(allowlist.allows(URI.create("https://cdn.example.com/x"))).isTrue();
        assertThat(allowlist.allows(URI.create("http://CDN.example.com:8080/x"))).isTrue();
        assertThat(allowlist.allows(URI.create("https://sub.cdn.example.com/x"))).isFalse();
        assertThat(allowlist.allows(URI.create("http://127.0.0.1:8443/x"))).isTrue();
        assertThat(allowlist.allows(URI.create("http://127.0.0.1:8444/x"))).isFalse();
        assertThat(allowlist.allows(URI.create("https://127.0.0.1/x"))).isFalse();
    }

    @Test
    void defaultPortsCountForHostPortEntries() {
        RedirectAllowlist allowlist = new RedirectAllowlist(List.of("cdn.example.com:443"));

        assertThat(allowlist.allows(URI.create("https://cdn.example.com/x"))).isTrue();
        assertThat(allowlist.allows(URI.create("http://cdn.example.com/x"))).isFalse();
    }

    @Test
    void emptyListAllowsNothingAndBlankEntriesAreIgnored() {
        RedirectAllowlist allowlist = new RedirectAllowlist(List.of(" ", ""));

        assertThat(allowlist.allows(URI.create("https://anything.example/x"))).isFalse();
        assertThat(new RedirectAllowlist(null).allows(URI.create("https://a/x"))).isFalse();
    }

    @Test
    void rejectsMalformedEntries() {
        assertThatThrownBy(() -> new RedirectAllowlist(List.of("*.")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redirect-allowlist");
        assertThatThrownBy(() -> new RedirectAllowlist(List.of("a.*.com")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RedirectAllowlist(List.of("host:notaport")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RedirectAllowlist(List.of("https://host/")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
