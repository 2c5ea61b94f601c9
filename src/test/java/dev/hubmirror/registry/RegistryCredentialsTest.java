package dev.hubmirror.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hubmirror.failure.Secrets;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Credentials from a Docker config (the regcred Secret's .dockerconfigjson) and explicit entries. */
class RegistryCredentialsTest {

    private static RegistryCredentials parse(String json) {
        return RegistryCredentials.fromDockerConfig(json.getBytes(StandardCharsets.UTF_8), "test.json");
    }

    @Test
    void readsAuthAndUsernamePasswordEntriesWhateverTheKeyLooksLike() {
        // Given: what kubectl create secret docker-registry and docker login write
        String auth = Base64.getEncoder().encodeToString("robot$ci:p@ss:word".getBytes(StandardCharsets.UTF_8));
        RegistryCredentials c = parse("{\"auths\":{\"https://Private-Registry.example.com/v1/\":{\"auth\":\"" + auth
                + "\"},\"https://index.docker.io/v1/\":{\"username\":\"hub\",\"password\":\"pw\"},"
                + "\"ghcr.io\":{\"email\":\"x\"}}}");

        // Then: the password may hold colons; Docker Hub's key is docker.io; an entry without credentials is none
        assertThat(c.forRegistry("private-registry.example.com")).contains(new RegistryCredentials.Basic("robot$ci",
                "p@ss:word"));
        assertThat(c.forRegistry("docker.io").orElseThrow().username()).isEqualTo("hub");
        assertThat(c.forRegistry("ghcr.io")).isEmpty();
        assertThat(c.toString()).doesNotContain("p@ss").doesNotContain("pw");
        assertThat(c.forRegistry("docker.io").orElseThrow().toString()).doesNotContain("pw");
    }

    @Test
    void refusesWhatIsNotADockerConfigWithoutQuotingIt() {
        assertThatThrownBy(() -> parse("[\"secret\"]")).hasMessageContaining("test.json")
                .hasMessageNotContaining("secret\"");
        assertThatThrownBy(() -> parse("{\"auths\":{\"r\":{\"auth\":\"bm9jb2xvbg==\"}}}"))
                .hasMessageContaining("user:password");
        assertThatThrownBy(() -> parse("{\"auths\":{\"r\":{\"identitytoken\":\"tok\"}}}"))
                .hasMessageContaining("identitytoken").hasMessageNotContaining("tok\"");
    }

    @Test
    void explicitEntriesReplaceTheConfigsForTheSameHost() {
        RegistryCredentials c = parse("{\"auths\":{\"r.example\":{\"username\":\"a\",\"password\":\"b\"}}}")
                .with("R.example", new RegistryCredentials.Basic("c", "d"));

        assertThat(c.forRegistry("r.example").orElseThrow().username()).isEqualTo("c");
    }

    @Test
    void everyPasswordAndAuthValueIsASecretToRedact() {
        // Given: a Docker config read at startup (its values are in no configuration key)
        String auth = Base64.getEncoder().encodeToString("robot:s3cr3t-from-config".getBytes(StandardCharsets.UTF_8));
        RegistryCredentials c = parse("{\"auths\":{\"r.example\":{\"auth\":\"" + auth + "\"},"
                + "\"q.example\":{\"username\":\"u\",\"password\":\"other-pw\"}}}");

        // When
        Secrets secrets = Secrets.of(c.secrets());

        // Then: a registry's message quoting either form is redacted
        assertThat(c.secrets()).contains("s3cr3t-from-config", "other-pw", auth);
        assertThat(secrets.redact("denied for s3cr3t-from-config and Basic " + auth + ", other-pw"))
                .doesNotContain("s3cr3t-from-config").doesNotContain(auth).doesNotContain("other-pw");
    }
}
