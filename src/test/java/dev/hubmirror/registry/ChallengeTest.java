package dev.hubmirror.registry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** WWW-Authenticate challenges as registries send them. */
class ChallengeTest {

    @Test
    void readsGhcrsBearerChallengeWithACommaInsideTheScope() {
        // When
        Challenge c = Challenge.parse("Bearer realm=\"https://ghcr.io/token\",service=\"ghcr.io\","
                + "scope=\"repository:org/name:pull,push\"").orElseThrow();

        // Then
        assertThat(c.bearer()).isTrue();
        assertThat(c.param("realm")).contains("https://ghcr.io/token");
        assertThat(c.param("service")).contains("ghcr.io");
        assertThat(c.param("scope")).contains("repository:org/name:pull,push");
    }

    @Test
    void readsBasicUnquotedValuesEscapesAndCase() {
        assertThat(Challenge.parse("Basic realm=registry").orElseThrow().basic()).isTrue();
        Challenge c = Challenge.parse("BEARER Realm=\"a\\\"b\", error=insufficient_scope").orElseThrow();
        assertThat(c.bearer()).isTrue();
        assertThat(c.param("realm")).contains("a\"b");
        assertThat(c.param("error")).contains("insufficient_scope");
    }

    @Test
    void keepsWhatWasReadBeforeAMalformedParameter() {
        Challenge c = Challenge.parse("Bearer realm=\"https://x/token\",service=\"unterminated").orElseThrow();

        assertThat(c.param("realm")).contains("https://x/token");
        assertThat(c.param("service")).isEmpty();
        assertThat(Challenge.parse(null)).isEmpty();
        assertThat(Challenge.parse("  ")).isEmpty();
    }
}
