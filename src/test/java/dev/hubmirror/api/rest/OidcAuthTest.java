package dev.hubmirror.api.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.hubmirror.job.ScriptedSnapshotMirror;
import dev.hubmirror.testing.ApiKeys;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.smallrye.jwt.build.Jwt;
import java.io.IOException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * OIDC bearer tokens without an OIDC server: the service verifies JWTs with {@code quarkus.oidc.public-key} (a key pair
 * generated here) and takes the roles from the {@code groups} claim; API keys keep working beside it.
 */
@QuarkusTest
@TestProfile(OidcAuthTest.Oidc.class)
class OidcAuthTest {

    private static final String ISSUER = "https://issuer.test";
    private static final String SUBMISSION = "{\"models\": [\"org/oidc\"]}";

    /** OIDC on with a local public key; the {@code oidc} config profile drops the test API keys but one. */
    public static class Oidc implements QuarkusTestProfile {

        static final KeyPair KEYS = rsa();
        static final KeyPair OTHER = rsa();

        private static KeyPair rsa() {
            try {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(2048);
                return generator.generateKeyPair();
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public String getConfigProfile() {
            return "oidc";
        }

        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(ScriptedSnapshotMirror.class);
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.oidc.tenant-enabled", "true",
                    "quarkus.oidc.public-key", Base64.getEncoder().encodeToString(KEYS.getPublic().getEncoded()),
                    "quarkus.oidc.token.issuer", ISSUER,
                    "mirror.api.keys.reader.key", ApiKeys.READ,
                    "mirror.api.keys.reader.role", "read");
        }
    }

    private static String token(KeyPair keys, String... groups) {
        return Jwt.issuer(ISSUER).subject("team-search").groups(Set.of(groups)).expiresIn(300)
                .sign(keys.getPrivate());
    }

    private static RequestSpecification as(String bearer) {
        return RestAssured.given().header("Authorization", ApiKeys.bearer(bearer));
    }

    @Test
    void theOpenApiDocumentDeclaresTheOidcSchemeBesideTheApiKeysWhenOidcIsOn() throws IOException {
        // When
        JsonNode doc = OpenApiDocumentTest.document();

        // Then
        JsonNode oidc = doc.path("components").path("securitySchemes")
                .path(ApiDocumentSecurity.OIDC);
        assertThat(oidc.path("type").asText()).isEqualTo("http");
        assertThat(oidc.path("bearerFormat").asText()).isEqualTo("JWT");
        assertThat(doc.path("paths").path("/v1/mirrors").path("post")
                .path("security").toString()).isEqualTo("[{\"apiKey\":[]},{\"oidc\":[]}]");
    }

    @Test
    void aTokenWithTheSubmitGroupSubmits() {
        // When / Then
        as(token(Oidc.KEYS, "submit")).contentType(ContentType.JSON).body(SUBMISSION).when().post("/v1/mirrors")
                .then().statusCode(202);
    }

    @Test
    void aTokenWithTheReadGroupReadsButCannotSubmit() {
        // Given
        String token = token(Oidc.KEYS, "read");

        // When / Then
        as(token).when().get("/v1/jobs").then().statusCode(200);
        as(token).contentType(ContentType.JSON).body(SUBMISSION).when().post("/v1/mirrors").then().statusCode(403)
                .body("error.reason", equalTo("FORBIDDEN"));
    }

    @Test
    void aTokenWithoutARoleIsForbidden() {
        // When / Then
        as(token(Oidc.KEYS, "other")).when().get("/v1/jobs").then().statusCode(403);
    }

    @Test
    void aTokenSignedByAnotherKeyOrGarbageIsUnauthenticated() {
        // When / Then
        as(token(Oidc.OTHER, "submit")).when().get("/v1/jobs").then().statusCode(401)
                .body("error.reason", equalTo("UNAUTHENTICATED"));
        as("not-a-jwt-and-not-a-key").when().get("/v1/jobs").then().statusCode(401)
                .body("error.reason", equalTo("UNAUTHENTICATED"));
    }

    @Test
    void apiKeysStillWorkBesideOidc() {
        // When / Then
        as(ApiKeys.READ).when().get("/v1/jobs").then().statusCode(200);
    }
}
