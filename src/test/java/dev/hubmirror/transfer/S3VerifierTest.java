package dev.hubmirror.transfer;

import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.StoreLocation;
import dev.hubmirror.store.s3.S3ObjectStore;
import dev.hubmirror.testing.Configs;
import dev.hubmirror.testing.S3ProxyServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The verifier scenarios on S3 (s3proxy as a child process, the real AWS SDK): stat, metadata and GetObject reads. */
class S3VerifierTest extends VerifierScenarios {

    static final String BUCKET = "verify";
    static S3ProxyServer s3;
    static S3ObjectStore store;

    @BeforeAll
    static void startS3() {
        s3 = S3ProxyServer.start();
        s3.createBucket(BUCKET);
        S3ObjectStore.Tuning tuning = S3ObjectStore.Tuning.from(Configs.store(Map.of()).s3())
                .withBackoff(Duration.ofMillis(10), Duration.ofMillis(50));
        store = new S3ObjectStore(StoreLocation.parse("s3://" + BUCKET + "/weights"), s3.client(), tuning);
    }

    @AfterAll
    static void stopS3() {
        store.close();
        s3.close();
    }

    @Override
    ObjectStore store() {
        return store;
    }
}
