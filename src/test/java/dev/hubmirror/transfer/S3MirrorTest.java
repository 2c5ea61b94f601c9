package dev.hubmirror.transfer;

import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.StoreLocation;
import dev.hubmirror.store.s3.S3ObjectStore;
import dev.hubmirror.testing.Configs;
import dev.hubmirror.testing.S3ProxyServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/** The mirror scenarios into S3 (s3proxy as a child process, the real AWS SDK). */
class S3MirrorTest extends MirrorScenarios {

    static final String BUCKET = "mirror";
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

    @Override
    Optional<byte[]> read(String key) {
        try {
            return Optional.of(s3.objectBytes(BUCKET, "weights/" + key));
        } catch (CompletionException e) {
            if (e.getCause() instanceof NoSuchKeyException) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    List<String> keys(String prefix) {
        return s3.keys(BUCKET, "weights/" + prefix);
    }

    @Override
    List<String> outsideThePrefix() {
        List<String> outside = new java.util.ArrayList<>(s3.keys(BUCKET, "").stream()
                .filter(k -> !k.startsWith("weights/")).toList());
        // and on s3proxy's disk: nothing but the bucket's objects under weights/ (and s3proxy's own hidden files)
        s3.filesOnDisk().stream().filter(f -> !f.startsWith(BUCKET + "/weights/") && !f.contains("/.")
                && !f.startsWith(".")).forEach(outside::add);
        return outside;
    }

    @Override
    int openUploads() {
        return s3.uploadsInProgress(BUCKET).size();
    }
}
