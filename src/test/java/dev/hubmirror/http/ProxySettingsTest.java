package dev.hubmirror.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProxySettingsTest {

    private static final HttpOrigin HUB = new HttpOrigin("https", "huggingface.co", 443);
    private static final HttpOrigin CDN = new HttpOrigin("https", "cdn-lfs.hf.co", 443);

    @Test
    void readsTheVariablesCurlReadsLowerCaseFirstAndAConfigKeyOverridesThem() {
        // Given
        Map<String, String> env = Map.of("HTTPS_PROXY", "http://upper:3128", "https_proxy", "http://lower:3128",
                "HTTP_PROXY", "plain.proxy:8080");

        // When
        ProxySettings fromEnv = ProxySettings.fromEnvironment(env);
        ProxySettings configured = ProxySettings.resolve(Optional.of("http://configured:9000"), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), env::get);

        // Then
        assertThat(fromEnv.forTarget(HUB)).hasValueSatisfying(p -> assertThat(p.host()).isEqualTo("lower"));
        assertThat(fromEnv.forTarget(new HttpOrigin("http", "example.com", 80)))
                .hasValueSatisfying(p -> assertThat(p.port()).isEqualTo(8080));
        assertThat(configured.forTarget(HUB)).hasValueSatisfying(p -> assertThat(p.host()).isEqualTo("configured"));
        assertThat(ProxySettings.fromEnvironment(Map.of()).forTarget(HUB)).isEmpty();
    }

    @Test
    void takesCredentialsFromTheSecretOrTheUrlAndNeverPrintsThem() {
        // Given
        ProxySettings inUrl = ProxySettings.fromEnvironment(Map.of("HTTPS_PROXY", "http://al%40ice:p%3Ass@proxy:3128"));
        ProxySettings fromSecret = ProxySettings.resolve(Optional.of("http://u:url-pass@proxy:3128"),
                Optional.empty(), Optional.empty(), Optional.of("bob"), Optional.of("secret-pass"), k -> null);

        // Then
        ProxySettings.Proxy a = inUrl.https().orElseThrow();
        assertThat(a.username()).contains("al@ice");
        assertThat(a.password()).contains("p:ss");
        ProxySettings.Proxy b = fromSecret.https().orElseThrow();
        assertThat(b.username()).contains("bob");
        assertThat(b.password()).contains("secret-pass");
        assertThat(b.authorization()).contains("Basic Ym9iOnNlY3JldC1wYXNz");
        assertThat(fromSecret.toString()).contains("proxy:3128").contains("with credentials")
                .doesNotContain("secret-pass").doesNotContain("url-pass").doesNotContain("bob");
        assertThat(inUrl.toString()).doesNotContain("p:ss").doesNotContain("ice");
    }

    @Test
    void bypassesHostsDomainSuffixesIpsAndCidrBlocksOfNoProxy() {
        // Given
        ProxySettings settings = ProxySettings.fromEnvironment(Map.of("HTTPS_PROXY", "http://proxy:3128",
                "HTTP_PROXY", "http://proxy:3128",
                "NO_PROXY", "internal.example, .corp.example  10.0.0.0/8,fd00::/8, 192.168.1.7, s3.local:9000"));

        // Then
        assertThat(settings.forTarget(new HttpOrigin("https", "internal.example", 443))).isEmpty();
        assertThat(settings.forTarget(new HttpOrigin("https", "a.b.internal.example", 443))).isEmpty();
        assertThat(settings.forTarget(new HttpOrigin("https", "notinternal.example", 443))).isPresent();
        assertThat(settings.forTarget(new HttpOrigin("https", "corp.example", 443))).isEmpty();
        assertThat(settings.forTarget(new HttpOrigin("https", "git.corp.example", 443))).isEmpty();
        assertThat(settings.forTarget(new HttpOrigin("http", "10.20.30.40", 80))).isEmpty();
        assertThat(settings.forTarget(new HttpOrigin("http", "11.0.0.1", 80))).isPresent();
        assertThat(settings.forTarget(new HttpOrigin("https", "fd12::1", 443))).isEmpty();
        assertThat(settings.forTarget(new HttpOrigin("https", "192.168.1.7", 443))).isEmpty();
        assertThat(settings.forTarget(new HttpOrigin("https", "192.168.1.8", 443))).isPresent();
        assertThat(settings.forTarget(new HttpOrigin("http", "s3.local", 9000))).isEmpty();
        assertThat(settings.forTarget(new HttpOrigin("http", "s3.local", 9001))).isPresent();
        assertThat(settings.forTarget(HUB)).isPresent();
        assertThat(settings.forTarget(CDN)).isPresent();
    }

    @Test
    void aStarBypassesEverything() {
        ProxySettings settings = ProxySettings.fromEnvironment(Map.of("https_proxy", "http://proxy:3128",
                "no_proxy", "*"));

        assertThat(settings.forTarget(HUB)).isEmpty();
    }

    @Test
    void refusesWhatItCannotUseNamingTheVariable() {
        assertThatThrownBy(() -> ProxySettings.fromEnvironment(Map.of("HTTPS_PROXY", "https://proxy:3128")))
                .hasMessageContaining("HTTPS_PROXY").hasMessageContaining("only http://");
        assertThatThrownBy(() -> ProxySettings.fromEnvironment(Map.of("HTTP_PROXY", "socks5://proxy:1080")))
                .hasMessageContaining("HTTP_PROXY");
        assertThatThrownBy(() -> ProxySettings.fromEnvironment(Map.of("HTTPS_PROXY", "http://p:1",
                "NO_PROXY", "10.0.0.0/33"))).hasMessageContaining("10.0.0.0/33");
    }
}
