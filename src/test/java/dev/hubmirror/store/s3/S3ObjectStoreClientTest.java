package dev.hubmirror.store.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hubmirror.config.StoreConfig;
import dev.hubmirror.store.StoreLocation;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3ServiceClientConfiguration;

/** How {@link S3Clients#build} turns the configuration into an S3 client (no request is sent). */
class S3ObjectStoreClientTest {

    @Test
    void endpointOverrideAndRegionComeFromTheConfiguration() {
        // Given
        StoreConfig.S3 config = config(Map.of("mirror.store.s3.endpoint", "http://127.0.0.1:9000",
                "mirror.store.s3.region", "eu-central-1"));

        // When
        try (S3AsyncClient client = S3Clients.build(config)) {
            S3ServiceClientConfiguration built = client.serviceClientConfiguration();

            // Then
            assertThat(built.endpointOverride()).contains(URI.create("http://127.0.0.1:9000"));
            assertThat(built.region()).isEqualTo(Region.EU_CENTRAL_1);
            assertThat(built.requestChecksumCalculation()).isEqualTo(RequestChecksumCalculation.WHEN_REQUIRED);
            assertThat(built.responseChecksumValidation()).isEqualTo(ResponseChecksumValidation.WHEN_REQUIRED);
        }
    }

    @Test
    void regionDefaultsToUsEast1ForAnEndpointOverrideWithoutRegion() {
        // Given
        String previous = System.getProperty("aws.region");
        System.clearProperty("aws.region");
        StoreConfig.S3 config = config(Map.of("mirror.store.s3.endpoint", "http://127.0.0.1:9000"));

        // When
        try (S3AsyncClient client = S3Clients.build(config)) {

            // Then
            Region expected = System.getenv("AWS_REGION") != null ? Region.of(System.getenv("AWS_REGION"))
                    : Region.US_EAST_1;
            assertThat(client.serviceClientConfiguration().region()).isEqualTo(expected);
        } finally {
            if (previous != null) {
                System.setProperty("aws.region", previous);
            }
        }
    }

    @Test
    void refusesALocationThatIsNotS3() {
        // Given
        StoreConfig.S3 config = config(Map.of("mirror.store.s3.endpoint", "http://127.0.0.1:9000"));

        // When / Then
        assertThatThrownBy(() -> new S3ObjectStore(StoreLocation.parse("gs://bucket/prefix"), config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("s3://bucket/prefix");
    }

    private static StoreConfig.S3 config(Map<String, String> values) {
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder().addDiscoveredConverters().withMapping(StoreConfig.class);
        values.forEach(builder::withDefaultValue);
        return builder.build().getConfigMapping(StoreConfig.class).s3();
    }
}
