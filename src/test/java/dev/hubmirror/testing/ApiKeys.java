package dev.hubmirror.testing;

import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;

/**
 * The API keys of the test configuration (src/test/resources/application.properties) and a RestAssured
 * {@link #given()} that sends the submit key, for tests that call the REST API with auth on.
 */
public final class ApiKeys {

    /** A key with the submit role ({@code mirror.api.keys.tests}). */
    public static final String SUBMIT = "test-submit-key-0123456789abcdef";
    /** A key with the read role ({@code mirror.api.keys.reader}). */
    public static final String READ = "test-read-key-0123456789abcdef";

    private ApiKeys() {
    }

    /** {@link RestAssured#given()} with the submit key's {@code Authorization} header. */
    public static RequestSpecification given() {
        return RestAssured.given().header("Authorization", bearer(SUBMIT));
    }

    /** The {@code Authorization} header value for {@code key}. */
    public static String bearer(String key) {
        return "Bearer " + key;
    }
}
