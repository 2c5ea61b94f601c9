package dev.hubmirror.api.rest;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Collection;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns failures into {@link ErrorResponse} bodies with a status that follows the {@link Reason}. */
public class ExceptionMappers {

    private static final Logger LOGGER = Logger.getLogger(ExceptionMappers.class);
    /** Jackson's placeholder for the (redacted) request source inside locations. */
    private static final Pattern SOURCE = Pattern.compile("\\[Source: [^;]*; ");

    /** A typed failure: the status follows its reason. */
    @ServerExceptionMapper
    public RestResponse<ErrorResponse> mirrorException(MirrorException e) {
        int status = status(e.reason());
        if (status >= 500) {
            LOGGER.warnf(e, "request failed error=%s: %s", e.reason(), e.getMessage());
        }
        return error(status, e.reason(), e.getMessage());
    }

    /** A body Jackson could not map onto the request record (malformed values). */
    @ServerExceptionMapper
    public RestResponse<ErrorResponse> unmappableJson(JsonMappingException e) {
        return error(400, Reason.INVALID_REQUEST, describe(e));
    }

    /** A body of the wrong shape (a string where a list belongs); replaces Quarkus' built-in mapper for it. */
    @ServerExceptionMapper
    public RestResponse<ErrorResponse> mismatchedJson(MismatchedInputException e) {
        return error(400, Reason.INVALID_REQUEST, describe(e));
    }

    /**
     * Malformed JSON reaches us wrapped in a 400 {@link WebApplicationException}; other web exceptions (404 for
     * unknown paths, 405, 415) keep their own response.
     */
    @ServerExceptionMapper
    public Response webApplicationException(WebApplicationException e) {
        if (e.getCause() instanceof JacksonException json) {
            return error(400, Reason.INVALID_REQUEST, describe(json)).toResponse();
        }
        return e.getResponse();
    }

    static int status(Reason reason) {
        return switch (reason) {
            case INVALID_REQUEST -> 400;
            case UNAUTHENTICATED -> 401;
            case FORBIDDEN -> 403;
            case JOB_NOT_FOUND -> 404;
            case JOB_FINISHED, CANCELLED -> 409;
            case QUEUE_FULL -> 429;
            case SHUTTING_DOWN -> 503;
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

    /** What went wrong, where: Jackson's message without source excerpts, or the expected type for a wrong shape. */
    private static String describe(JacksonException e) {
        StringBuilder message = new StringBuilder("malformed JSON request body: ");
        String path = e instanceof JsonMappingException mapping ? path(mapping) : "";
        if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null && !path.isEmpty()) {
            message.append('\'').append(path).append("' must be ").append(jsonType(mismatch.getTargetType()));
        } else {
            message.append(SOURCE.matcher(e.getOriginalMessage()).replaceAll("["));
            if (!path.isEmpty()) {
                message.append(" at '").append(path).append('\'');
            }
        }
        JsonLocation location = e.getLocation();
        if (location != null && location.getLineNr() > 0) {
            message.append(" (line ").append(location.getLineNr()).append(", column ")
                    .append(location.getColumnNr()).append(')');
        }
        return message.toString();
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? "." + ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining())
                .replaceFirst("^\\.", "");
    }

    private static String jsonType(Class<?> type) {
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        if (type == String.class) {
            return "a string";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a number";
        }
        return "an object";
    }
}
