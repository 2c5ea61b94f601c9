package dev.hubmirror.api.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubmirror.failure.Reason;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;
import org.junit.jupiter.api.Test;

/** The OpenAPI document the running service serves at {@code /q/openapi} (open, on the API port). */
@QuarkusTest
@TestProfile(ScriptedMirrorProfile.class)
class OpenApiDocumentTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> V1_OPERATIONS = List.of("post /v1/mirrors", "get /v1/jobs", "get /v1/jobs/{id}",
            "delete /v1/jobs/{id}", "get /v1/jobs/{id}/events", "get /v1/verify", "get /v1/verify/image",
            "get /v1/verify/chart", "get /v1/verify/bundle/{name}", "get /v1/bundles/{name}");

    @Test
    void declaresTheBearerSchemeAndSecurityWith401And403OnEveryV1Operation() throws IOException {
        // When: fetched without any credential
        JsonNode doc = document();

        // Then
        JsonNode schemes = doc.path("components").path("securitySchemes");
        assertThat(schemes.path(ApiDocumentSecurity.API_KEY).path("type").asText()).isEqualTo("http");
        assertThat(schemes.path(ApiDocumentSecurity.API_KEY).path("scheme").asText()).isEqualTo("bearer");
        assertThat(schemes.has(ApiDocumentSecurity.OIDC)).as("no OIDC scheme while OIDC is off").isFalse();
        assertThat(operations(doc)).containsExactlyInAnyOrderElementsOf(V1_OPERATIONS);
        for (String op : V1_OPERATIONS) {
            JsonNode operation = operation(doc, op);
            assertThat(operation.path("security").toString()).as(op).isEqualTo("[{\"apiKey\":[]}]");
            JsonNode responses = operation.path("responses");
            assertThat(errorRef(responses.path("401"))).as(op + " 401").isEqualTo("#/components/schemas/ErrorResponse");
            assertThat(responses.path("401").path("headers").has("WWW-Authenticate")).as(op).isTrue();
            assertThat(errorRef(responses.path("403"))).as(op + " 403").isEqualTo("#/components/schemas/ErrorResponse");
        }
        assertThat(doc.path("components").path("schemas").path("ErrorResponse").path("properties").has("error"))
                .isTrue();
    }

    @Test
    void theSubmissionAnswerDocuments202WithItsBodyAndTheRequestItsNewFields() throws IOException {
        // When
        JsonNode doc = document();

        // Then
        JsonNode accepted = operation(doc, "post /v1/mirrors").path("responses").path("202");
        assertThat(accepted.path("content").path("application/json").path("schema").path("$ref").asText())
                .isEqualTo("#/components/schemas/MirrorResponse");
        JsonNode schemas = doc.path("components").path("schemas");
        assertThat(schemas.path("MirrorResponse").path("properties").path("jobs").path("items").path("$ref").asText())
                .isEqualTo("#/components/schemas/JobSummaryResponse");
        assertThat(fields(schemas.path("MirrorRequest"))).contains("models", "repos", "target", "tokenName");
        assertThat(fields(schemas.path("RepoRequest"))).contains("include", "exclude", "allow_patterns",
                "ignore_patterns");
    }

    @Test
    void apiMdNamesEveryOperationEveryFieldOfTheJobAndVerifyAnswersAndEveryReason() throws IOException {
        // Given
        JsonNode doc = document();
        String page = Files.readString(Path.of("docs/api.md"));

        // When / Then
        for (String op : operations(doc)) {
            String[] parts = op.split(" ", 2);
            assertThat(page).as("docs/api.md").contains("`" + parts[0].toUpperCase(Locale.ROOT) + " "
                    + parts[1] + "`");
        }
        JsonNode schemas = doc.path("components").path("schemas");
        for (String schema : List.of("JobResponse", "VerifyResponse", "MirrorRequest", "RepoRequest", "BundleResponse",
                "ArtifactVerifyResponse", "BundleVerifyResponse")) {
            for (String field : fields(schemas.path(schema))) {
                assertThat(page).as("docs/api.md names " + schema + "." + field).contains("`" + field + "`");
            }
        }
        for (Reason reason : Reason.values()) {
            assertThat(page).as("docs/api.md names reason " + reason).contains("`" + reason.name() + "`");
        }
    }

    @Test
    void anOidcIssuerIsDeclaredWithItsDiscoveryUrlAndAuthOffDeclaresNothing() {
        // Given
        OpenAPI issuer = model();
        OpenAPI off = model();

        // When
        new ApiDocumentSecurity(true, true, Optional.of("https://idp.example.com/realms/models/")).filterOpenAPI(issuer);
        new ApiDocumentSecurity(false, true, Optional.of("https://idp.example.com")).filterOpenAPI(off);

        // Then
        SecurityScheme oidc = issuer.getComponents().getSecuritySchemes().get(ApiDocumentSecurity.OIDC);
        assertThat(oidc.getType()).isEqualTo(SecurityScheme.Type.OPENIDCONNECT);
        assertThat(oidc.getOpenIdConnectUrl())
                .isEqualTo("https://idp.example.com/realms/models/.well-known/openid-configuration");
        assertThat(issuer.getPaths().getPathItem("/v1/jobs").getGET().getSecurity())
                .extracting(r -> r.getSchemes().keySet().iterator().next()).containsExactly("apiKey", "oidc");
        assertThat(issuer.getPaths().getPathItem("/q/other").getGET().getSecurity()).isNull();
        assertThat(off.getComponents()).isNull();
        assertThat(off.getPaths().getPathItem("/v1/jobs").getGET().getSecurity()).isNull();
    }

    static JsonNode document() throws IOException {
        String body = RestAssured.given().accept("application/json").when().get("/q/openapi").then().statusCode(200)
                .extract().asString();
        return JSON.readTree(body);
    }

    static List<String> operations(JsonNode doc) {
        List<String> ops = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields(); paths.hasNext();) {
            Map.Entry<String, JsonNode> path = paths.next();
            path.getValue().fieldNames().forEachRemaining(method -> ops.add(method + " " + path.getKey()));
        }
        return ops;
    }

    private static JsonNode operation(JsonNode doc, String op) {
        String[] parts = op.split(" ", 2);
        return doc.path("paths").path(parts[1]).path(parts[0]);
    }

    private static String errorRef(JsonNode response) {
        return response.path("content").path("application/json").path("schema").path("$ref").asText();
    }

    private static List<String> fields(JsonNode schema) {
        List<String> names = new ArrayList<>();
        schema.path("properties").fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static OpenAPI model() {
        return OASFactory.createOpenAPI().paths(OASFactory.createPaths()
                .addPathItem("/v1/jobs", OASFactory.createPathItem().GET(OASFactory.createOperation()
                        .responses(OASFactory.createAPIResponses())))
                .addPathItem("/q/other", OASFactory.createPathItem().GET(OASFactory.createOperation())));
    }
}
