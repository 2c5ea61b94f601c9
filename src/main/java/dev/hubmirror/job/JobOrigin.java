package dev.hubmirror.job;

/**
 * Who asked for a job: the request and its requester, both {@code null} for a local submission.
 *
 * @param requestId the request that asked for it (a Kafka request, or a REST submission with Kafka on)
 * @param requester who asked, free text from the request
 */
public record JobOrigin(String requestId, String requester) {

    /** A submission to this process's job service, with no request. */
    public static final JobOrigin LOCAL = new JobOrigin(null, null);
}
