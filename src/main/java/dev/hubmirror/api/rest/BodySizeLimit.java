package dev.hubmirror.api.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubmirror.failure.Reason;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A request whose {@code Content-Length} exceeds {@code quarkus.http.limits.max-body-size} answers 413 with the
 * documented error body ({@link Reason#REQUEST_TOO_LARGE}) instead of Quarkus' empty 413: the same check as Quarkus'
 * own, one route earlier. A body without a length that grows past the limit is cut by Quarkus while it is read, and
 * {@link ExceptionMappers} gives that 413 the same body.
 */
@Singleton
public class BodySizeLimit {

    /** Just before Quarkus' own upload limit route ({@code RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT}, -2). */
    static final int ORDER = -3;

    void install(@Observes Router router, ObjectMapper json,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") Optional<MemorySize> limit) {
        if (limit.isEmpty()) {
            return;
        }
        long max = limit.get().asLongValue();
        router.route().order(ORDER).handler(context -> {
            String header = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            long length;
            try {
                length = header == null ? -1 : Long.parseLong(header.trim());
            } catch (NumberFormatException e) {
                length = -1;
            }
            if (length <= max) {
                context.next();
                return;
            }
            String body;
            try {
                body = json.writeValueAsString(ErrorResponse.of(Reason.REQUEST_TOO_LARGE, "the request body ("
                        + length + " bytes) is larger than quarkus.http.limits.max-body-size (" + max + " bytes): "
                        + "send fewer repos or patterns per request"));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("an error body could not be written", e);
            }
            context.response().setStatusCode(413)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .putHeader(HttpHeaders.CONNECTION, "close")
                    .end(body);
        });
    }
}
