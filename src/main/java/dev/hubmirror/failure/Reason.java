package dev.hubmirror.failure;

/**
 * Stable failure codes. They appear in job status ({@code error.reason}), REST error bodies, Kafka failure events and
 * metric tags, so a value is never renamed once shipped.
 */
public enum Reason {
    /** The repository does not exist, or is private and the token cannot see it (Hub {@code RepoNotFound}). */
    REPO_NOT_FOUND(false),
    /** The revision (branch, tag, commit, {@code refs/pr/N}) does not exist (Hub {@code RevisionNotFound}). */
    REVISION_NOT_FOUND(false),
    /** A file listed in the tree is not served at the commit (Hub {@code EntryNotFound}). */
    ENTRY_NOT_FOUND(false),
    /** The repository is gated: no token, or the token's user has not been granted access (Hub {@code GatedRepo}). */
    GATED_REPO(false),
    /** The Hub refused the token (401/403 without a more specific code). */
    UNAUTHORIZED(false),
    /** The Hub, a registry or a registry's token service answered 429 more often than the retry policy allows. */
    RATE_LIMITED(true),
    /** The Hub or its CDN answered 5xx more often than the retry policy allows. */
    HUB_UNAVAILABLE(true),
    /** The connection to the Hub or CDN failed or was cut more often than the retry policy allows. */
    HUB_CONNECTION(true),
    /**
     * A redirect pointed to a host that is not on the allowlist, to an internal address, from https to http, or was
     * malformed (the Hub, a registry's blob storage, a registry's token realm).
     */
    REDIRECT_REFUSED(false),
    /** The Hub answered something this client does not understand (bad JSON, missing headers). */
    HUB_PROTOCOL(false),
    /** Downloaded bytes do not match the expected sha256 / git sha1 (a file, a blob, a manifest, a chart archive). */
    CHECKSUM_MISMATCH(false),
    /** Downloaded size differs from the size the Hub listed, or from a blob's descriptor. */
    SIZE_MISMATCH(false),
    /**
     * A path of the tree is unsafe (absolute, {@code ..}, backslash, NUL, too long), or is both a file and the folder
     * of another file ({@code a} and {@code a/b}); the whole tree is refused, whatever the patterns select.
     */
    UNSAFE_PATH(false),
    /** The object store refused the credentials or the bucket does not exist. */
    STORE_ACCESS_DENIED(false),
    /** The object store is unreachable or answered 5xx / SlowDown more often than the retry policy allows. */
    STORE_UNAVAILABLE(true),
    /** Any other object store failure. */
    STORE_ERROR(false),
    /**
     * The job is larger than {@code mirror.jobs.max-files-per-job} or {@code mirror.jobs.max-bytes-per-job}: it failed
     * after listing, before anything was transferred.
     */
    JOB_TOO_LARGE(false),
    /**
     * The include/exclude patterns select no file of the repo at the commit: the job failed after listing, nothing
     * was written (without patterns an empty repo is mirrored as it is).
     */
    NO_MATCHING_FILES(false),
    /** Input that a caller sent is invalid (repo id, revision, pattern, unknown target). */
    INVALID_REQUEST(false),
    /** The job was cancelled by a caller, or because the service stopped. */
    CANCELLED(false),
    /** No job with the given id exists (never existed, or finished longer ago than the retention). */
    JOB_NOT_FOUND(false),
    /**
     * No bundle with the given name: no request named it, or its jobs were forgotten (retention) and no manifest is in
     * the store.
     */
    BUNDLE_NOT_FOUND(false),
    /** The job already finished (succeeded, failed or was cancelled), so it cannot be cancelled. */
    JOB_FINISHED(false),
    /** The job queue is full: the submission was refused and nothing was enqueued. Retry later. */
    QUEUE_FULL(true),
    /** The service is stopping and accepts no new jobs. Retry against another instance or later. */
    SHUTTING_DOWN(true),
    /** An API call without a valid credential: no {@code Authorization: Bearer} header, or an unknown key or token. */
    UNAUTHENTICATED(false),
    /** An API call whose key or token has a role that does not allow it (a read key submitting). */
    FORBIDDEN(false),
    /**
     * A caller submitted faster than its key's rate ({@code mirror.api.rate-limit.*}): nothing was submitted. Retry
     * after the {@code Retry-After} the answer carries.
     */
    TOO_MANY_REQUESTS(true),
    /**
     * This instance holds as many job records (or their bytes) as it may ({@code mirror.jobs.max-retained},
     * {@code mirror.jobs.max-retained-bytes}): nothing was submitted. Room frees as finished jobs pass their retention.
     */
    TOO_MANY_JOBS(true),
    /** The request body is larger than {@code quarkus.http.limits.max-body-size}. */
    REQUEST_TOO_LARGE(false),
    /** No API endpoint at this path. */
    NOT_FOUND(false),
    /** The endpoint exists but not with this HTTP method. */
    METHOD_NOT_ALLOWED(false),
    /** The endpoint cannot answer in any media type the {@code Accept} header allows. */
    NOT_ACCEPTABLE(false),
    /** The request body's {@code Content-Type} is not one the endpoint reads. */
    UNSUPPORTED_MEDIA_TYPE(false),
    /** The default store is not ready (its readiness check is DOWN): submissions are refused until it is. */
    STORE_NOT_READY(true),
    /** Kafka is on but its broker is unreachable or a configured topic is missing: submissions are refused. */
    KAFKA_UNAVAILABLE(true),
    /** The source registry has no such image (repository, tag or digest): {@code NAME_UNKNOWN}, {@code MANIFEST_UNKNOWN}. */
    IMAGE_NOT_FOUND(false),
    /** The chart (name and version) is not in the Helm repository's index, or the OCI chart is not in its registry. */
    CHART_NOT_FOUND(false),
    /** A manifest names a blob that its registry does not have ({@code BLOB_UNKNOWN}). */
    BLOB_NOT_FOUND(false),
    /**
     * A manifest (or a Helm index, a chart archive) is not acceptable: larger than the configured bound, not JSON,
     * an unsupported media type (Docker schema 1), a descriptor that is malformed, or too many of them.
     */
    MANIFEST_INVALID(false),
    /** A registry refused the credentials (401 after authenticating, 403 {@code DENIED}), or none were configured. */
    REGISTRY_UNAUTHORIZED(false),
    /** A registry (or its token service) answered 5xx more often than the retry policy allows. */
    REGISTRY_UNAVAILABLE(true),
    /** The connection to a registry (or its blob storage) failed, stalled or was cut more often than the retry policy allows. */
    REGISTRY_CONNECTION(true),
    /** The target registry refused what was pushed (a digest, a manifest, an upload) for a reason a retry cannot fix. */
    REGISTRY_REJECTED(false),
    /** A registry answered something this client does not understand (a missing Location, a malformed Range). */
    REGISTRY_PROTOCOL(false),
    /** A bug: an unexpected exception. The message names the exception type. */
    INTERNAL(false);

    private final boolean retriable;

    Reason(boolean retriable) {
        this.retriable = retriable;
    }

    /** Whether trying the same operation again later may succeed. */
    public boolean retriable() {
        return retriable;
    }
}
