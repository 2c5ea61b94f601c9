package dev.hubmirror.e2e;

import dev.hubmirror.sim.HubSimulator;
import dev.hubmirror.testing.S3ProxyServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * Starts the Hub simulator and s3proxy (a child process) for a Quarkus test and points the service at them: the
 * real wiring, the real Hub client and the real S3 store, nothing replaced.
 */
public class HubAndS3Resource implements QuarkusTestResourceLifecycleManager {

    /** The bucket the service mirrors into, under the prefix {@code weights}. */
    public static final String BUCKET = "models";
    /** A token the simulator accepts for user alice. */
    public static final String TOKEN = "hf_e2e_secret_token_value";

    static HubSimulator sim;
    static S3ProxyServer s3;

    @Override
    public Map<String, String> start() {
        sim = HubSimulator.start();
        sim.addToken(TOKEN, "alice");
        s3 = S3ProxyServer.start();
        s3.createBucket(BUCKET);
        s3.setCredentialSystemProperties();
        Map<String, String> config = new HashMap<>(s3.storeProperties("s3://" + BUCKET + "/weights"));
        config.put("mirror.hub.endpoint", sim.hubUrl());
        config.put("mirror.hub.redirect-allowlist", "127.0.0.1");
        config.put("mirror.hub.allow-private-redirects", "true");
        config.put("mirror.hub.initial-backoff", "10ms");
        config.put("mirror.hub.max-backoff", "100ms");
        config.put("mirror.hub.token", TOKEN);
        config.put("mirror.store.blobs", "true");
        config.put("mirror.transfer.part-size", "5M");
        config.put("mirror.transfer.single-put-threshold", "1M");
        return config;
    }

    @Override
    public void stop() {
        if (s3 != null) {
            s3.clearCredentialSystemProperties();
            s3.close();
        }
        if (sim != null) {
            sim.close();
        }
    }
}
