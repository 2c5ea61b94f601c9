package dev.hubmirror.api.rest;

import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.METHOD;

import dev.hubmirror.config.ApiConfig;
import dev.hubmirror.config.ApiConfig.ApiRole;
import dev.hubmirror.failure.Reason;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
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
    private static final String SUBMISSIONS = "/v1/mirrors";

    private final boolean enabled;
    private final boolean oidc;
    private final ApiKeys keys;
    private final CurrentIdentityAssociation identities;
    private final SubmissionRate rate;

    public ApiAuthFilter(ApiConfig config, ApiKeys keys, CurrentIdentityAssociation identities, SubmissionRate rate,
            @ConfigProperty(name = "quarkus.oidc.tenant-enabled", defaultValue = "false") boolean oidc) {
        this.enabled = config.auth().enabled();
        this.oidc = oidc;
        this.keys = keys;
        this.identities = identities;
        this.rate = rate;
    }

    /** Lets the call through ({@code null}) or answers 401 / 403, or 429 for a caller submitting too fast. */
    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Uni<Response> authenticate(ContainerRequestContext request, HttpServerRequest http) {
        if (!enabled) {
            SocketAddress peer = http.remoteAddress();
            return Uni.createFrom().item(limit(request, "address " + (peer == null ? "unknown" : peer.hostAddress())));
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
            Response refused = authorize(request, role.get(), needed, "API key");
            return Uni.createFrom().item(refused != null ? refused
                    : limit(request, "API key '" + keys.name(credential).orElse("?") + "'"));
        }
        if (!oidc) {
            return Uni.createFrom().item(unauthenticated(request, "the bearer key is not a configured API key"));
        }
        return identities.getDeferredIdentity()
                .map(identity -> {
                    if (identity.isAnonymous()) {
                        return unauthenticated(request, "the bearer token is neither an API key nor a valid OIDC token");
                    }
                    Response refused = authorize(request, roleOf(identity), needed, "OIDC token");
                    return refused != null ? refused
                            : limit(request, "OIDC subject '" + identity.getPrincipal().getName() + "'");
                })
                .onFailure().recoverWithItem(e -> unauthenticated(request,
                        "the bearer token is neither an API key nor a valid OIDC token"));
    }

    /** Takes a submission from {@code caller}'s rate ({@code POST /v1/mirrors} only): null, or a 429 answer. */
    private Response limit(ContainerRequestContext request, String caller) {
        if (!HttpMethod.POST.equals(request.getMethod()) || !SUBMISSIONS.equals(request.getUriInfo().getPath())) {
            return null;
        }
        Optional<Duration> wait = rate.take(caller);
        if (wait.isEmpty()) {
            return null;
        }
        long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
        LOGGER.debugf("api call refused" + METHOD + ERROR, request.getMethod(), Reason.TOO_MANY_REQUESTS);
        return Response.status(429)
                .header(HttpHeaders.RETRY_AFTER, seconds)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ErrorResponse.of(Reason.TOO_MANY_REQUESTS, ExceptionMappers.printable(caller)
                        + " submits faster than " + rate.describe() + " (mirror.api.rate-limit.submissions per "
                        + "mirror.api.rate-limit.period); nothing was submitted: retry after " + seconds + " s"))
                .build();
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
        LOGGER.debugf("api call refused" + METHOD + ERROR, request.getMethod(), Reason.FORBIDDEN);
        return error(403, Reason.FORBIDDEN, "this " + kind + " has " + has + "; " + request.getMethod()
                + " needs the " + needed.name().toLowerCase(Locale.ROOT) + " role",
                "Bearer error=\"insufficient_scope\"");
    }

    private static Response unauthenticated(ContainerRequestContext request, String message) {
        LOGGER.debugf("api call refused" + METHOD + ERROR, request.getMethod(), Reason.UNAUTHENTICATED);
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
