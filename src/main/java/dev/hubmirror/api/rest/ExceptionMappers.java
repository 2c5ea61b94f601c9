package dev.hubmirror.api.rest;

import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.STATUS;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.failure.RetryLaterException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Map;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns failures into {@link ErrorResponse} bodies with a status that follows the {@link Reason}. */
public class ExceptionMappers {

    private static final Logger LOGGER = Logger.getLogger(ExceptionMappers.class);
    private static final String REST_BODY = "malformed JSON request body";
    /** The API's paths and their methods, as docs/api.md lists them. */
    private static final Map<Pattern, String> ENDPOINTS = Map.of(
            Pattern.compile("/v1/mirrors/?"), "POST",
            Pattern.compile("/v1/jobs/?"), "GET",
            Pattern.compile("/v1/jobs/[^/]+/?"), "DELETE, GET",
            Pattern.compile("/v1/jobs/[^/]+/events/?"), "GET",
            Pattern.compile("/v1/verify/?"), "GET",
            Pattern.compile("/v1/bundles/[^/]+/?"), "GET",
            Pattern.compile("/v1/verify/(image|chart)/?"), "GET",
            Pattern.compile("/v1/verify/bundle/[^/]+/?"), "GET");

    /** A typed failure: the status follows its reason. */
    @ServerExceptionMapper
    public RestResponse<ErrorResponse> mirrorException(MirrorException e) {
        int status = status(e.reason());
        if (status == 500 || status == 502) {
            LOGGER.warnf(e, "request failed" + ERROR + ": %s", e.reason(), e.getMessage());
        } else if (status == 503) {
            // a dependency that is away: its own check logs it; one line per refusal would flood the log
            LOGGER.debugf("request refused" + ERROR + ": %s", e.reason(), e.getMessage());
        }
        RestResponse.ResponseBuilder<ErrorResponse> answer = RestResponse.ResponseBuilder.<ErrorResponse>create(status)
                .entity(ErrorResponse.of(e.reason(), e.getMessage()))
                .type(MediaType.APPLICATION_JSON_TYPE);
        if (e instanceof RetryLaterException later) {
            answer.header(HttpHeaders.RETRY_AFTER, (later.retryAfter().toMillis() + 999) / 1000);
        }
        return answer.build();
    }

    /** A body Jackson could not map onto the request record (malformed values). */
    @ServerExceptionMapper
    public RestResponse<ErrorResponse> unmappableJson(JsonMappingException e) {
        return error(400, Reason.INVALID_REQUEST, JsonProblem.describe(e, REST_BODY));
    }

    /** A body of the wrong shape (a string where a list belongs); replaces Quarkus' built-in mapper for it. */
    @ServerExceptionMapper
    public RestResponse<ErrorResponse> mismatchedJson(MismatchedInputException e) {
        return error(400, Reason.INVALID_REQUEST, JsonProblem.describe(e, REST_BODY));
    }

    /**
     * Malformed JSON reaches us wrapped in a 400 {@link WebApplicationException}; other web exceptions (404 for
     * unknown paths, 405, 406, 413, 415) keep their status and headers ({@code Allow} for 405) and get the documented
     * error body.
     */
    @ServerExceptionMapper
    public Response webApplicationException(WebApplicationException e, HttpHeaders headers, UriInfo uri,
            Request request) {
        if (e.getCause() instanceof JacksonException json) {
            return error(400, Reason.INVALID_REQUEST, JsonProblem.describe(json, REST_BODY)).toResponse();
        }
        Response original = e.getResponse();
        int status = original.getStatus();
        String path = "'" + printable(uri.getPath()) + "'";
        String method = printable(request.getMethod());
        Reason reason;
        String message;
        String allow = null;
        switch (status) {
            case 404 -> {
                reason = Reason.NOT_FOUND;
                message = "no endpoint at " + path + ": the API is POST /v1/mirrors, GET /v1/jobs, GET and DELETE "
                        + "/v1/jobs/{id}, GET /v1/jobs/{id}/events and GET /v1/verify (docs/api.md)";
            }
            case 405 -> {
                reason = Reason.METHOD_NOT_ALLOWED;
                allow = allowedMethods(uri.getPath());
                message = method + " is not allowed on " + path + ": use " + (allow == null ? "another method" : allow);
            }
            case 406 -> {
                reason = Reason.NOT_ACCEPTABLE;
                message = path + " cannot answer in '" + printable(headers.getHeaderString(HttpHeaders.ACCEPT))
                        + "': accept application/json (text/event-stream for job events), or send no Accept header";
            }
            case 413 -> {
                reason = Reason.REQUEST_TOO_LARGE;
                message = "the request body is larger than quarkus.http.limits.max-body-size: send fewer repos or "
                        + "patterns per request";
            }
            case 415 -> {
                reason = Reason.UNSUPPORTED_MEDIA_TYPE;
                message = path + " reads application/json, not '"
                        + printable(headers.getHeaderString(HttpHeaders.CONTENT_TYPE))
                        + "': send the body with Content-Type: application/json";
            }
            default -> {
                reason = status >= 500 ? Reason.INTERNAL : Reason.INVALID_REQUEST;
                message = method + " " + path + " answered " + status + ": " + printable(e.getMessage());
            }
        }
        if (status >= 500) {
            LOGGER.warnf(e, "request failed" + STATUS + ERROR, status, reason);
        }
        Response.ResponseBuilder answer = Response.fromResponse(original)
                .entity(ErrorResponse.of(reason, message))
                .type(MediaType.APPLICATION_JSON_TYPE);
        if (allow != null) {
            answer.header(HttpHeaders.ALLOW, allow);
        }
        return answer.build();
    }

    /** The methods an API path takes (for 405 and its {@code Allow} header); null for a path of no endpoint. */
    static String allowedMethods(String path) {
        for (Map.Entry<Pattern, String> endpoint : ENDPOINTS.entrySet()) {
            if (endpoint.getKey().matcher(path == null ? "" : path).matches()) {
                return endpoint.getValue();
            }
        }
        return null;
    }

    static int status(Reason reason) {
        return switch (reason) {
            case INVALID_REQUEST -> 400;
            case UNAUTHENTICATED -> 401;
            case FORBIDDEN -> 403;
            case JOB_NOT_FOUND, NOT_FOUND, BUNDLE_NOT_FOUND -> 404;
            case METHOD_NOT_ALLOWED -> 405;
            case NOT_ACCEPTABLE -> 406;
            case JOB_FINISHED, CANCELLED -> 409;
            case REQUEST_TOO_LARGE -> 413;
            case UNSUPPORTED_MEDIA_TYPE -> 415;
            case QUEUE_FULL, TOO_MANY_REQUESTS, TOO_MANY_JOBS -> 429;
            case SHUTTING_DOWN, STORE_NOT_READY, KAFKA_UNAVAILABLE -> 503;
            case INTERNAL -> 500;
            default -> 502;
        };
    }

    private static RestResponse<ErrorResponse> error(int status, Reason reason, String message) {
        return RestResponse.ResponseBuilder.<ErrorResponse>create(status)
                .entity(ErrorResponse.of(reason, message))
                .type(MediaType.APPLICATION_JSON_TYPE)
                .build();
    }

    /** Caller input echoed in a message: bounded, control characters replaced. */
    static String printable(String s) {
        if (s == null) {
            return "";
        }
        String cut = s.length() > 120 ? s.substring(0, 120) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
