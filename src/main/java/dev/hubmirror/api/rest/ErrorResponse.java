package dev.hubmirror.api.rest;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.job.JobError;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The body of every error answer: {@code {"error": {"reason": "...", "message": "..."}}}. */
public record ErrorResponse(Detail error) {

    static ErrorResponse of(Reason reason, String message) {
        return new ErrorResponse(new Detail(reason.name(), message));
    }

    /** A stable failure code and a message for a human. */
    public record Detail(
            @Schema(description = "Stable failure code (the Reason enum)", examples = "INVALID_REQUEST") String reason,
            String message) {

        static Detail of(JobError error) {
            return error == null ? null : new Detail(error.reason().name(), error.message());
        }
    }
}
