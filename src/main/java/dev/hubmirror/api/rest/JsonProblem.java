package dev.hubmirror.api.rest;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.util.Collection;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Describes a JSON document that could not be read, for REST answers and Kafka dead letters alike. */
public final class JsonProblem {

    /** Jackson's placeholder for the (redacted) request source inside locations. */
    private static final Pattern SOURCE = Pattern.compile("\\[Source: [^;]*; ");

    private JsonProblem() {
    }

    /**
     * What went wrong, where: Jackson's message without source excerpts, or the expected type for a wrong shape
     * ({@code 'models[0]' must be a string}), with the line and column; {@code what} names the document.
     */
    public static String describe(JacksonException e, String what) {
        StringBuilder message = new StringBuilder(what).append(": ");
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
