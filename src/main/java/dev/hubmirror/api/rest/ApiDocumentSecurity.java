package dev.hubmirror.api.rest;

import io.quarkus.smallrye.openapi.OpenApiFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;
import org.eclipse.microprofile.openapi.models.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

/**
 * Puts into the OpenAPI document ({@code /q/openapi}) what {@link ApiAuthFilter} enforces, as configured at startup:
 * the bearer scheme {@value #API_KEY} (API keys), the scheme {@value #OIDC} only when OIDC is on (an OpenID Connect
 * scheme with the discovery URL of {@code quarkus.oidc.auth-server-url}, or a JWT bearer scheme when tokens are
 * checked against a configured public key), {@code security} on every {@code /v1} operation, and its 401
 * ({@code UNAUTHENTICATED}, with {@code WWW-Authenticate}) and 403 ({@code FORBIDDEN}) answers. With API auth off
 * ({@code mirror.api.auth.enabled=false}, {@link dev.hubmirror.config.ApiConfig}) it declares nothing, as nothing is
 * required.
 */
@OpenApiFilter(stages = OpenApiFilter.RunStage.RUNTIME_STARTUP)
public class ApiDocumentSecurity implements OASFilter {

    /** The API key scheme's name in {@code components.securitySchemes}. */
    static final String API_KEY = "apiKey";
    /** The OIDC scheme's name in {@code components.securitySchemes}. */
    static final String OIDC = "oidc";
    private static final String ERROR_SCHEMA = "#/components/schemas/ErrorResponse";

    private final boolean authEnabled;
    private final boolean oidc;
    private final Optional<String> authServerUrl;

    /** The filter as configured: SmallRye OpenAPI builds it once at startup. */
    public ApiDocumentSecurity() {
        this(ConfigProvider.getConfig());
    }

    private ApiDocumentSecurity(Config config) {
        this(config.getOptionalValue("mirror.api.auth.enabled", Boolean.class).orElse(true),
                config.getOptionalValue("quarkus.oidc.tenant-enabled", Boolean.class).orElse(false),
                config.getOptionalValue("quarkus.oidc.auth-server-url", String.class));
    }

    ApiDocumentSecurity(boolean authEnabled, boolean oidc, Optional<String> authServerUrl) {
        this.authEnabled = authEnabled;
        this.oidc = oidc;
        this.authServerUrl = authServerUrl.map(String::trim).filter(u -> !u.isEmpty());
    }

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (!authEnabled) {
            return;
        }
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        Components components = openAPI.getComponents();
        components.addSecurityScheme(API_KEY, OASFactory.createSecurityScheme()
                .type(SecurityScheme.Type.HTTP).scheme("bearer")
                .description("An API key of mirror.api.keys.<name>.key (or the generated data/api-key), sent as "
                        + "'Authorization: Bearer <key>'. GET needs the read role; POST and DELETE the submit role."));
        List<SecurityRequirement> alternatives = new ArrayList<>();
        alternatives.add(OASFactory.createSecurityRequirement().addScheme(API_KEY));
        if (oidc) {
            components.addSecurityScheme(OIDC, oidcScheme());
            alternatives.add(OASFactory.createSecurityRequirement().addScheme(OIDC));
        }
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        for (Map.Entry<String, PathItem> path : openAPI.getPaths().getPathItems().entrySet()) {
            if (!path.getKey().startsWith("/v1/") && !path.getKey().equals("/v1")) {
                continue;
            }
            for (Operation operation : path.getValue().getOperations().values()) {
                operation.setSecurity(new ArrayList<>(alternatives));
                if (operation.getResponses() == null) {
                    operation.setResponses(OASFactory.createAPIResponses());
                }
                addAuthAnswers(operation.getResponses());
            }
        }
    }

    private SecurityScheme oidcScheme() {
        String roles = " Its roles (quarkus.oidc.roles.role-claim-path) must contain read or submit.";
        if (authServerUrl.isPresent()) {
            String base = authServerUrl.get().replaceAll("/+$", "");
            return OASFactory.createSecurityScheme().type(SecurityScheme.Type.OPENIDCONNECT)
                    .openIdConnectUrl(base + "/.well-known/openid-configuration")
                    .description("An OIDC access token of " + base + "." + roles);
        }
        return OASFactory.createSecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer").bearerFormat("JWT")
                .description("An OIDC access token (JWT) signed by the key of quarkus.oidc.public-key." + roles);
    }

    private static void addAuthAnswers(APIResponses responses) {
        if (!responses.hasAPIResponse("401")) {
            responses.addAPIResponse("401", error("No credential, or an unknown API key or invalid OIDC token "
                    + "(UNAUTHENTICATED)").addHeader("WWW-Authenticate", OASFactory.createHeader()
                    .description("Bearer realm=\"hub-mirror\"").schema(OASFactory.createSchema()
                            .addType(Schema.SchemaType.STRING))));
        }
        if (!responses.hasAPIResponse("403")) {
            responses.addAPIResponse("403", error("The key's or token's role does not allow this call, e.g. a read "
                    + "key submitting (FORBIDDEN)"));
        }
    }

    private static APIResponse error(String description) {
        Content content = OASFactory.createContent().addMediaType("application/json", OASFactory.createMediaType()
                .schema(OASFactory.createSchema().ref(ERROR_SCHEMA)));
        return OASFactory.createAPIResponse().description(description).content(content);
    }
}
