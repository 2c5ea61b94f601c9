package dev.hubmirror.api.rest;

import java.util.List;

/** The answer to a submission: one job per requested repo revision, in request order (models first). */
public record MirrorResponse(List<JobSummaryResponse> jobs) {
}
