package dev.hubmirror.api.rest;

import java.util.List;

/** Jobs, newest first. */
public record JobListResponse(List<JobResponse> jobs) {
}
