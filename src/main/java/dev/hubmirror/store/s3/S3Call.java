package dev.hubmirror.store.s3;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.store.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import javax.xml.stream.XMLStreamException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * One S3 request as an operator would want it named in an error: the operation, the object, and for multipart
 * requests the upload id and part number. It translates SDK failures into {@link StoreException}s at the adapter
 * boundary.
 *
 * @param operation the S3 API name, e.g. {@code UploadPart}
 * @param bucket the bucket
 * @param key the full object key (prefix included)
 * @param uploadId the multipart upload id, or {@code null}
 * @param part the part number, or {@code 0} when the request is not about one part
 */
record S3Call(String operation, String bucket, String key, String uploadId, int part) {

    private static final Set<String> ACCESS_DENIED_CODES = Set.of("AccessDenied", "InvalidAccessKeyId",
            "SignatureDoesNotMatch", "AllAccessDisabled", "AccountProblem", "InvalidToken", "ExpiredToken",
            "InvalidSecurity", "NotSignedUp");
    private static final Set<String> WRONG_REGION_CODES = Set.of("PermanentRedirect",
            "AuthorizationHeaderMalformed", "IllegalLocationConstraintException", "InvalidRegion");
    private static final Set<String> UNAVAILABLE_CODES = Set.of("SlowDown", "ServiceUnavailable", "InternalError",
            "RequestTimeout", "Throttling", "ThrottlingException", "TooManyRequests",
            "OperationAborted");

    /** How the SDK's XML unmarshaller begins its message when an answer's body is not well-formed XML. */
    private static final String UNPARSEABLE_XML = "Could not parse XML response";

    /** The endpoint setting as the user may have set it: the config key and the env variable the SDK and we read. */
    private static final String ENDPOINT = "the endpoint (mirror.store.s3.endpoint, env AWS_ENDPOINT_URL_S3)";
    /** The region setting, likewise. */
    private static final String REGION = "the region (mirror.store.s3.region, env AWS_REGION)";

    static S3Call of(String operation, String bucket, String key) {
        return new S3Call(operation, bucket, key, null, 0);
    }

    static S3Call of(String operation, String bucket, String key, String uploadId, int part) {
        return new S3Call(operation, bucket, key, uploadId, part);
    }

    /** {@code UploadPart s3://bucket/key (upload id X, part N)}. */
    String describe() {
        StringBuilder s = new StringBuilder(operation).append(" s3://").append(bucket).append('/').append(key);
        if (uploadId != null) {
            s.append(" (upload id ").append(uploadId);
            if (part > 0) {
                s.append(", part ").append(part);
            }
            s.append(')');
        }
        return s.toString();
    }

    /** Translates any failure of this call into a {@link StoreException} that says what failed and what to check. */
    StoreException translate(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof StoreException e) {
            return e;
        }
        if (t instanceof AwsServiceException e) {
            return translateService(e);
        }
        if (t instanceof SdkClientException e) {
            return translateClient(e);
        }
        return new StoreException(Reason.STORE_ERROR,
                describe() + " failed unexpectedly: " + t.getClass().getName() + ": " + t.getMessage(), t);
    }

    private StoreException translateService(AwsServiceException e) {
        int status = e.statusCode();
        String code = errorCode(e);
        String answer = "S3 answered HTTP " + status + (code.isEmpty() ? "" : " " + code)
                + (serviceMessage(e).isEmpty() ? "" : " (" + serviceMessage(e) + ")");
        if ("NoSuchBucket".equals(code)) {
            return new StoreException(Reason.STORE_ACCESS_DENIED, describe() + " failed: bucket '" + bucket
                    + "' does not exist: " + answer + ". Check the bucket in mirror.store.url (env MIRROR_STORE_URL,"
                    + " or a target's mirror.targets.<name>.url), " + ENDPOINT + " and " + REGION + ".", e);
        }
        if (ACCESS_DENIED_CODES.contains(code) || status == 401 || status == 403) {
            return new StoreException(Reason.STORE_ACCESS_DENIED, describe() + " was refused: " + answer
                    + ". Check the credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile or IRSA role),"
                    + " the bucket policy of '" + bucket + "' (s3:GetObject, s3:PutObject, s3:DeleteObject,"
                    + " s3:AbortMultipartUpload) and " + REGION + ".", e);
        }
        if (WRONG_REGION_CODES.contains(code) || status == 301) {
            return new StoreException(Reason.STORE_ACCESS_DENIED, describe() + " failed: " + answer
                    + ". Bucket '" + bucket + "' is in another region: set the region (mirror.store.s3.region,"
                    + " env AWS_REGION) to the bucket's region.", e);
        }
        if (UNAVAILABLE_CODES.contains(code) || status >= 500 || status == 429) {
            return new StoreException(Reason.STORE_UNAVAILABLE, describe() + " failed: " + answer
                    + ". The store is overloaded or unavailable; retry later.", e);
        }
        String hint = switch (code) {
            case "NoSuchUpload" -> ". The upload no longer exists: it was aborted, completed, or removed by a"
                    + " lifecycle rule; start the file again.";
            case "NoSuchKey" -> ". The object does not exist.";
            case "EntityTooSmall" -> ". A part other than the last is smaller than the store's minimum part size"
                    + " (5 MiB on S3): raise the part size.";
            case "EntityTooLarge" -> ". The object or part is larger than the store allows: lower the part size.";
            case "InvalidPart", "InvalidPartOrder" -> ". The store does not know a listed part or its ETag.";
            case "RequestTimeTooSkewed" -> ". This machine's clock differs from the store's: synchronise it (NTP).";
            default -> ".";
        };
        // a part of an upload that vanished (aborted by a lifecycle rule or by another process cleaning up after a
        // crash): sending the part again cannot help, starting the file again can
        boolean partOfVanishedUpload = "NoSuchUpload".equals(code)
                && (operation.equals("UploadPart") || operation.equals("UploadPartCopy"));
        return new StoreException(Reason.STORE_ERROR, partOfVanishedUpload, describe() + " failed: " + answer + hint, e);
    }

    private StoreException translateClient(SdkClientException e) {
        if (isUnreadableAnswer(e)) {
            return new StoreException(Reason.STORE_UNAVAILABLE, describe() + " got an answer the S3 client could not"
                    + " read: " + e.getMessage() + ". The store, or a proxy or load balancer in front of it, cut the"
                    + " answer short (a store assembling a large object can time out so); it is retried.", e);
        }
        if (isConnectionProblem(e)) {
            return new StoreException(Reason.STORE_UNAVAILABLE, describe() + " could not reach the store: "
                    + e.getMessage() + ". Check " + ENDPOINT + " and the network.", e);
        }
        String message = String.valueOf(e.getMessage());
        if (message.toLowerCase(Locale.ROOT).contains("credentials")) {
            return new StoreException(Reason.STORE_ACCESS_DENIED, describe() + " has no usable AWS credentials: "
                    + message + ". Set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, or an IRSA role.", e);
        }
        return new StoreException(Reason.STORE_ERROR, describe() + " failed in the S3 client: " + message, e);
    }

    private static boolean isConnectionProblem(Throwable e) {
        return cause(e, c -> c instanceof IOException || c instanceof UncheckedIOException
                || c instanceof TimeoutException || c instanceof ApiCallTimeoutException
                || c instanceof ApiCallAttemptTimeoutException).isPresent();
    }

    /**
     * Whether a failure is an answer that arrived but could not be parsed (a body cut short or garbled): the request
     * may or may not have taken effect.
     */
    static boolean isUnreadableAnswer(Throwable failure) {
        return cause(failure, c -> c instanceof XMLStreamException || c instanceof SdkClientException
                && String.valueOf(c.getMessage()).startsWith(UNPARSEABLE_XML)).isPresent();
    }

    /** Whether a failure is S3's 404 for a missing object or upload (not a missing bucket). */
    static boolean isNotFound(Throwable failure) {
        return serviceError(failure).filter(e -> e.statusCode() == 404 && !"NoSuchBucket".equals(errorCode(e)))
                .isPresent();
    }

    /** Whether a failure is S3's {@code NoSuchUpload}. */
    static boolean isNoSuchUpload(Throwable failure) {
        return serviceError(failure).filter(e -> "NoSuchUpload".equals(errorCode(e))).isPresent();
    }

    /** S3's own answer among the causes of a failure, the outermost one. */
    private static Optional<AwsServiceException> serviceError(Throwable failure) {
        return cause(failure, c -> c instanceof AwsServiceException).map(AwsServiceException.class::cast);
    }

    /** The outermost cause of {@code failure} (itself included) that {@code test} accepts. */
    private static Optional<Throwable> cause(Throwable failure, Predicate<Throwable> test) {
        for (Throwable c = failure; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (test.test(c)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    private static String errorCode(AwsServiceException e) {
        if (e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null) {
            return "";
        }
        return e.awsErrorDetails().errorCode();
    }

    private static String serviceMessage(AwsServiceException e) {
        if (e.awsErrorDetails() == null || e.awsErrorDetails().errorMessage() == null) {
            return "";
        }
        return e.awsErrorDetails().errorMessage();
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }
}
