package dev.hubmirror.job;

/**
 * Who asked for a job: the request and its requester (both {@code null} for a local submission without a bundle), and
 * the bundle the request grouped its jobs into.
 *
 * @param requestId  the request that asked for it (a Kafka request, a REST submission with Kafka on, or a local
 *                   submission that named a bundle)
 * @param requester  who asked, free text from the request
 * @param bundle     the bundle the request's jobs form; {@code null} for none
 * @param bundleSize how many jobs that bundle has (0 without one)
 */
public record JobOrigin(String requestId, String requester, String bundle, int bundleSize) {

    /** A submission to this process's job service, with no request. */
    public static final JobOrigin LOCAL = new JobOrigin(null, null, null, 0);

    /** A request's origin, in no bundle. */
    public JobOrigin(String requestId, String requester) {
        this(requestId, requester, null, 0);
    }
}
