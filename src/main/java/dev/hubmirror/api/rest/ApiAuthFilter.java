package dev.hubmirror.api.rest;

import dev.hubmirror.config.ApiConfig;
import dev.hubmirror.config.ApiConfig.ApiRole;
import dev.hubmirror.failure.Reason;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Authenticates every REST call ({@code /v1/*}): {@code Authorization: Bearer <key>} with a configured API key
 * ({@link ApiKeys}) or, when OIDC is on ({@code quarkus.oidc.tenant-enabled}), an OIDC access token whose roles
 * ({@code quarkus.oidc.roles.role-claim-path}) contain {@code read} or {@code submit}. GET needs the read role, every
 * other method the submit role (which implies read). Missing or unknown credentials answer 401 {@code UNAUTHENTICATED}
 * with {@code WWW-Authenticate: Bearer}; a role that does not allow the call answers 403 {@code FORBIDDEN}. Health,
 * metrics (management port) and {@code /q/openapi} are not REST resources and stay open.
 */
public class ApiAuthFilter {

    private static final Logger LOGGER = Logger.getLogger(ApiAuthFilter.class);
    private static final String BEARER = "bearer ";
    private static final String CHALLENGE = "Bearer realm=\"hub-mirror\"";

    private final boolean enabled;
    private final boolean oidc;
    private final ApiKeys keys;
    private final CurrentIdentityAssociation identities;

    public ApiAuthFilter(ApiConfig config, ApiKeys keys, CurrentIdentityAssociation identities,
            @ConfigProperty(name = "quarkus.oidc.tenant-enabled", defaultValue = "false") boolean oidc) {
        this.enabled = config.auth().enabled();
        this.oidc = oidc;
        this.keys = keys;
        this.identities = identities;
    }

    /** Lets the call through ({@code null}) or answers 401 / 403. */
    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Uni<Response> authenticate(ContainerRequestContext request) {
        if (!enabled) {
            return Uni.createFrom().nullItem();
        }
        ApiRole needed = switch (request.getMethod()) {
            case HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS -> ApiRole.READ;
            default -> ApiRole.SUBMIT;
        };
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())
                || header.substring(BEARER.length()).isBlank()) {
            return Uni.createFrom().item(unauthenticated(request, "this API needs 'Authorization: Bearer <key>'"
                    + " (an API key from mirror.api.keys" + (oidc ? ", or an OIDC access token" : "") + ")"));
        }
        String credential = header.substring(BEARER.length()).trim();
        Optional<ApiRole> role = keys.role(credential);
        if (role.isPresent()) {
            return Uni.createFrom().item(authorize(request, role.get(), needed, "API key"));
        }
        if (!oidc) {
            return Uni.createFrom().item(unauthenticated(request, "the bearer key is not a configured API key"));
        }
        return identities.getDeferredIdentity()
                .map(identity -> identity.isAnonymous()
                        ? unauthenticated(request, "the bearer token is neither an API key nor a valid OIDC token")
                        : authorize(request, roleOf(identity), needed, "OIDC token"))
                .onFailure().recoverWithItem(e -> unauthenticated(request,
                        "the bearer token is neither an API key nor a valid OIDC token"));
    }

    private static ApiRole roleOf(SecurityIdentity identity) {
        String submit = ApiRole.SUBMIT.name().toLowerCase(Locale.ROOT);
        String read = ApiRole.READ.name().toLowerCase(Locale.ROOT);
        return identity.hasRole(submit) ? ApiRole.SUBMIT : identity.hasRole(read) ? ApiRole.READ : null;
    }

    private static Response authorize(ContainerRequestContext request, ApiRole role, ApiRole needed, String kind) {
        if (role != null && role.covers(needed)) {
            return null;
        }
        String has = role == null ? "no hub-mirror role" : "the " + role.name().toLowerCase(Locale.ROOT) + " role";
        LOGGER.debugf("api call refused method=%s error=%s", request.getMethod(), Reason.FORBIDDEN);
        return error(403, Reason.FORBIDDEN, "this " + kind + " has " + has + "; " + request.getMethod()
                + " needs the " + needed.name().toLowerCase(Locale.ROOT) + " role",
                "Bearer error=\"insufficient_scope\"");
    }

    private static Response unauthenticated(ContainerRequestContext request, String message) {
        LOGGER.debugf("api call refused method=%s error=%s", request.getMethod(), Reason.UNAUTHENTICATED);
        return error(401, Reason.UNAUTHENTICATED, message, CHALLENGE);
    }

    private static Response error(int status, Reason reason, String message, String challenge) {
        return Response.status(status)
                .header(HttpHeaders.WWW_AUTHENTICATE, challenge)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ErrorResponse.of(reason, message))
                .build();
    }
}
