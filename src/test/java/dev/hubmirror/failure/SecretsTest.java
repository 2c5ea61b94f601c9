package dev.hubmirror.failure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecretsTest {

    private static final String TOKEN = "hf_abcdefghijklmnopqrstuvwxyz0123456789";
    private static final String KEY = "api key with spaces/and+signs";

    private final Secrets secrets = Secrets.of(Arrays.asList(TOKEN, "  " + KEY + "  ", null, " "));

    @Test
    void everyOccurrenceOfEverySecretIsReplaced() {
        // When
        String redacted = secrets.redact("path " + TOKEN + "/x and " + KEY + " again " + TOKEN);

        // Then
        assertThat(redacted).isEqualTo("path <redacted>/x and <redacted> again <redacted>");
    }

    @Test
    void percentEncodedFormsAreReplacedToo() {
        // Given: the key as a URL query (spaces as '+') and as a URL path (spaces as %20)
        String query = "q=api+key+with+spaces%2Fand%2Bsigns";
        String path = "/api%20key%20with%20spaces%2Fand%2Bsigns/file";

        // When / Then
        assertThat(secrets.redact(query)).isEqualTo("q=<redacted>");
        assertThat(secrets.redact(path)).isEqualTo("/<redacted>/file");
    }

    @Test
    void aSecretCutShortByAQuotedValuesEllipsisLosesItsVisiblePrefix() {
        // Given: messages that quoted a long value and cut it inside the token
        String cut = "lists an unsafe path 'aaaa/" + TOKEN.substring(0, 20) + "...' (has a '..' segment)";
        String twice = "'" + TOKEN.substring(0, 5) + "...' and '" + KEY.substring(0, 9) + "...'";

        // When / Then
        assertThat(secrets.redact(cut)).isEqualTo("lists an unsafe path 'aaaa/<redacted>...' (has a '..' segment)");
        assertThat(secrets.redact(twice)).isEqualTo("'<redacted>...' and '<redacted>...'");
    }

    @Test
    void ordinaryTextAndShortCommonPrefixesStayAsTheyAre() {
        // Given: an ellipsis after text that is no secret's prefix, and one after 3 characters of the token
        String text = "the file ends here... and hf_... is a prefix";

        // When / Then
        assertThat(secrets.redact(text)).isEqualTo(text);
        assertThat(secrets.redact(null)).isNull();
        assertThat(Secrets.NONE.redact("x " + TOKEN)).isEqualTo("x " + TOKEN);
    }

    @Test
    void aSecretInsideAnotherIsReplacedWithoutLeavingPartsOfTheLongerOne() {
        // Given: a short secret that is part of a longer one
        Secrets nested = Secrets.of(List.of("inner-secret", "outer-inner-secret-value"));

        // When / Then
        assertThat(nested.redact("a outer-inner-secret-value b inner-secret")).isEqualTo("a <redacted> b <redacted>");
    }

    @Test
    void aSecretAddedLaterIsRedactedFromThenOn() {
        // Given
        Secrets later = Secrets.of(List.of());
        assertThat(later.isEmpty()).isTrue();

        // When
        later.add("hm_generated_key_0123456789");

        // Then
        assertThat(later.redact("Bearer hm_generated_key_0123456789")).isEqualTo("Bearer <redacted>");
        assertThat(later.isEmpty()).isFalse();
    }
}
