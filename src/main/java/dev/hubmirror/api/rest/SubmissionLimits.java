package dev.hubmirror.api.rest;

import dev.hubmirror.config.JobConfig;

/**
 * What one submission may carry, REST and Kafka alike: repos, and include/exclude patterns (how many in all, how long
 * each). Every refusal names the limit and its configuration key.
 *
 * @param maxRepos         {@code mirror.jobs.max-repos-per-request}
 * @param maxPatterns      {@code mirror.jobs.max-patterns-per-request}, over all repos of the submission
 * @param maxPatternLength {@code mirror.jobs.max-pattern-length}, in characters
 */
public record SubmissionLimits(int maxRepos, int maxPatterns, int maxPatternLength) {

    /** The limits configured under {@code mirror.jobs}. */
    public static SubmissionLimits of(JobConfig config) {
        return new SubmissionLimits(config.maxReposPerRequest(), config.maxPatternsPerRequest(),
                config.maxPatternLength());
    }
}
