package dev.hubmirror.api.cli;

import dev.hubmirror.api.rest.VerifyResponse;
import java.util.List;

/**
 * What {@code verify --json} prints: one document for the whole command.
 *
 * @param status   {@code COMPLETE}, {@code INCOMPLETE}, {@code UNVERIFIED} (the worst snapshot), or {@code FAILED}
 *                 when the store failed for a repo
 * @param exitCode the process's exit code
 * @param store    the store's URL (its prefix)
 * @param repos    per snapshot verified, the same object as {@code GET /v1/verify} answers
 * @param failures the repos that could not be verified because the store failed
 */
public record VerifyCommandResponse(String status, int exitCode, String store, List<VerifyResponse> repos,
        List<Failure> failures) {

    /** A repo the store failed for: a stable failure code, whether a retry may help, and what to do. */
    public record Failure(String repo, String type, String revision, String reason, boolean retriable,
            String message) {
    }
}
