package dev.hubmirror.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hubmirror.failure.RetrySettings;
import dev.hubmirror.store.MultipartUpload;
import dev.hubmirror.store.Part;
import dev.hubmirror.store.StoreLocation;
import dev.hubmirror.store.s3.S3ObjectStore;
import dev.hubmirror.testing.FaultyS3Proxy;
import dev.hubmirror.testing.S3ProxyServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/** The S3 adapter reports each retry of a request with the reason of the failed attempt. */
class StoreRetriesMetricTest {

    @Test
    void aPartRetriedAfterSlowDownIsCountedOnceAsAStoreRetry() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (S3ProxyServer s3 = S3ProxyServer.start();
                FaultyS3Proxy proxy = FaultyS3Proxy.start(s3.endpoint())) {
            // Given: a store behind a proxy that answers the next part with 503 SlowDown
            s3.createBucket("retries");
            S3AsyncClient client = s3.client(proxy.endpoint(), s3.accessKey(), s3.secretKey());
            S3ObjectStore store = new S3ObjectStore(StoreLocation.parse("s3://retries/p"), client,
                    new S3ObjectStore.Tuning(new RetrySettings(3, Duration.ofMillis(10), Duration.ofMillis(50), 0.5),
                            S3ObjectStore.MAX_COPY_OBJECT_SIZE, 512L << 20, 4),
                    new MicrometerStoreObserver(registry));
            byte[] content = new byte[1000];
            MultipartUpload upload = store.beginUpload("f.bin", content.length, Map.of())
                    .await().atMost(Duration.ofSeconds(30));
            proxy.failNextParts(1, FaultyS3Proxy.Fault.SLOW_DOWN);

            // When
            var receipt = upload.uploadPart(new Part(1, 0, ByteBuffer.wrap(content)))
                    .await().atMost(Duration.ofSeconds(30));
            upload.complete(List.of(receipt)).await().atMost(Duration.ofSeconds(30));

            // Then
            List<Counter> retries = registry.find(MetricNames.RETRIES).tag(MetricNames.TAG_COMPONENT, "store")
                    .counters().stream().toList();
            assertThat(retries).singleElement().satisfies(c -> {
                assertThat(c.count()).isEqualTo(1);
                assertThat(c.getId().getTag(MetricNames.TAG_REASON)).isEqualTo("STORE_UNAVAILABLE");
            });
            client.close();
        }
    }
}
