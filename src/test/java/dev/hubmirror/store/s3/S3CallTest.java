package dev.hubmirror.store.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.store.StoreException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** How S3 answers and client failures become {@link StoreException}s (the S3 answers themselves are built here). */
class S3CallTest {

    private static final S3Call PART = S3Call.of("UploadPart", "models", "hub/blobs/abc", "up-1", 7);

    @ParameterizedTest(name = "HTTP {0} {1} -> {2}")
    @CsvSource({
        "503, SlowDown, STORE_UNAVAILABLE, true",
        "500, InternalError, STORE_UNAVAILABLE, true",
        "502, '', STORE_UNAVAILABLE, true",
        "429, '', STORE_UNAVAILABLE, true",
        "400, RequestTimeout, STORE_UNAVAILABLE, true",
        "403, AccessDenied, STORE_ACCESS_DENIED, false",
        "403, InvalidAccessKeyId, STORE_ACCESS_DENIED, false",
        "403, SignatureDoesNotMatch, STORE_ACCESS_DENIED, false",
        "403, '', STORE_ACCESS_DENIED, false",
        "404, NoSuchBucket, STORE_ACCESS_DENIED, false",
        "301, PermanentRedirect, STORE_ACCESS_DENIED, false",
        "400, AuthorizationHeaderMalformed, STORE_ACCESS_DENIED, false",
        "404, NoSuchUpload, STORE_ERROR, true",
        "400, EntityTooSmall, STORE_ERROR, false",
        "400, InvalidArgument, STORE_ERROR, false",
    })
    void translatesServiceAnswersByStatusAndCode(int status, String code, Reason reason, boolean retriable) {
        // Given
        S3Exception answer = answer(status, code);

        // When
        StoreException e = PART.translate(new CompletionException(answer));

        // Then
        assertThat(e.reason()).isEqualTo(reason);
        assertThat(e.retriable()).isEqualTo(retriable);
        assertThat(e.getMessage()).contains("UploadPart s3://models/hub/blobs/abc (upload id up-1, part 7)",
                "HTTP " + status);
        assertThat(e.getCause()).isSameAs(answer);
    }

    @Test
    void accessDeniedSaysWhatToCheck() {
        // Given
        S3Exception answer = answer(403, "AccessDenied");

        // When
        StoreException e = PART.translate(answer);

        // Then
        assertThat(e.getMessage()).contains("credentials", "bucket policy of 'models'",
                "the region (mirror.store.s3.region, env AWS_REGION)");
    }

    @Test
    void noSuchUploadSaysTheUploadIsGone() {
        // Given
        S3Exception answer = answer(404, "NoSuchUpload");

        // When
        StoreException e = PART.translate(answer);

        // Then
        assertThat(e.getMessage()).contains("no longer exists");
        assertThat(S3Call.isNoSuchUpload(e)).isTrue();
        assertThat(S3Call.isNotFound(e)).isTrue();
        // a part of a vanished upload: the whole file may start again; other calls on it may not
        assertThat(e.retriable()).isTrue();
        assertThat(S3Call.of("CompleteMultipartUpload", "models", "hub/blobs/abc", "up-1", 0).translate(answer)
                .retriable()).isFalse();
    }

    @Test
    void aBucketInAnotherRegionNamesTheRegionSettingAndItsEnvironmentVariable() {
        // When
        StoreException e = PART.translate(answer(301, "PermanentRedirect"));

        // Then
        assertThat(e.getMessage()).contains("in another region", "mirror.store.s3.region, env AWS_REGION");
    }

    @Test
    void missingBucketIsNotAMissingObject() {
        // Given
        StoreException e = PART.translate(answer(404, "NoSuchBucket"));

        // When / Then
        assertThat(S3Call.isNotFound(e)).isFalse();
        assertThat(S3Call.isNotFound(PART.translate(answer(404, "")))).isTrue();
    }

    @Test
    void refusedConnectionIsUnavailable() {
        // Given
        SdkClientException refused = SdkClientException.create("Unable to execute HTTP request",
                new ConnectException("Connection refused"));

        // When
        StoreException e = PART.translate(refused);

        // Then
        assertThat(e.reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
        assertThat(e.retriable()).isTrue();
        assertThat(e.getMessage()).contains("could not reach the store",
                "the endpoint (mirror.store.s3.endpoint, env AWS_ENDPOINT_URL_S3)");
    }

    @Test
    void callTimeoutIsUnavailable() {
        // Given
        ApiCallTimeoutException timeout = ApiCallTimeoutException.create(30_000);

        // When
        StoreException e = PART.translate(timeout);

        // Then
        assertThat(e.reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
    }

    @Test
    void anAnswerThatCannotBeParsedIsUnavailableAndSaysItWasCutShort() {
        // Given: what the SDK's XML unmarshaller throws for a body cut off midway
        SdkClientException garbled = SdkClientException.create("Could not parse XML response.",
                new javax.xml.stream.XMLStreamException("Premature end of file."));

        // When
        StoreException e = S3Call.of("CompleteMultipartUpload", "models", "hub/blobs/abc", "up-1", 0)
                .translate(new CompletionException(garbled));

        // Then
        assertThat(e.reason()).isEqualTo(Reason.STORE_UNAVAILABLE);
        assertThat(e.retriable()).isTrue();
        assertThat(e.getMessage()).contains("CompleteMultipartUpload s3://models/hub/blobs/abc (upload id up-1)",
                "could not read", "cut the answer short");
        assertThat(S3Call.isUnreadableAnswer(e)).isTrue();
        assertThat(S3Call.isUnreadableAnswer(SdkClientException.create("Unable to execute HTTP request",
                new ConnectException("Connection refused")))).isFalse();
    }

    @Test
    void missingCredentialsAreAccessDenied() {
        // Given
        SdkClientException none = SdkClientException.create("Unable to load credentials from any of the providers");

        // When
        StoreException e = PART.translate(none);

        // Then
        assertThat(e.reason()).isEqualTo(Reason.STORE_ACCESS_DENIED);
        assertThat(e.getMessage()).contains("AWS_ACCESS_KEY_ID");
    }

    @Test
    void anythingElseIsAStoreErrorNamingTheType() {
        // Given
        IllegalArgumentException bug = new IllegalArgumentException("boom");

        // When
        StoreException e = S3Call.of("PutObject", "models", "hub/refs/main").translate(bug);

        // Then
        assertThat(e.reason()).isEqualTo(Reason.STORE_ERROR);
        assertThat(e.getMessage()).contains("PutObject s3://models/hub/refs/main", "IllegalArgumentException",
                "boom");
    }

    private static S3Exception answer(int status, String code) {
        AwsErrorDetails.Builder details = AwsErrorDetails.builder().errorMessage("answer from the store");
        if (!code.isEmpty()) {
            details.errorCode(code);
        }
        return (S3Exception) S3Exception.builder()
                .statusCode(status)
                .awsErrorDetails(details.build())
                .message("answer from the store")
                .build();
    }
}
