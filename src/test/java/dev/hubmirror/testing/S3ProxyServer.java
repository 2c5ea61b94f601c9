package dev.hubmirror.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A real S3 server for tests: s3proxy 2.7.0 as a child process on a free loopback port, storing objects in a temp
 * directory ({@code filesystem-nio2} provider), with fixed AWS v2/v4 credentials.
 *
 * <p>Startup takes a few seconds, so share one instance per test class:
 * <pre>{@code
 * static S3ProxyServer s3;
 * @BeforeAll static void start() { s3 = S3ProxyServer.start(); s3.createBucket("models"); }
 * @AfterAll static void stop() { s3.close(); }
 * }</pre>
 * The jar comes from the system property {@code s3proxy.jar} (set by Surefire from the pom), else
 * {@code target/s3proxy/s3proxy.jar}. s3proxy's output goes to {@link #logFile()}.
 *
 * <p>Known differences from AWS: parts other than the last must be at least 5 MiB (as on AWS); ListParts of an unknown
 * upload id answers an empty 200 (AWS: 404 NoSuchUpload); signed non-chunked payloads (plain HTTP) are limited to
 * 32 MiB per request.
 */
public final class S3ProxyServer implements AutoCloseable {

    private static final String ACCESS_KEY = "hub-mirror-test";
    private static final String SECRET_KEY = "hub-mirror-test-secret";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path workDir;
    private final Path dataDir;
    private final Path logFile;
    private final URI endpoint;
    private final Thread shutdownHook;
    private S3AsyncClient client;

    private S3ProxyServer(Process process, Path workDir, Path dataDir, Path logFile, URI endpoint) {
        this.process = process;
        this.workDir = workDir;
        this.dataDir = dataDir;
        this.logFile = logFile;
        this.endpoint = endpoint;
        this.shutdownHook = new Thread(process::destroyForcibly, "s3proxy-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts s3proxy and waits until it accepts connections. */
    public static S3ProxyServer start() {
        try {
            Path jar = jar();
            Path workDir = Files.createTempDirectory("s3proxy-");
            Path dataDir = Files.createDirectories(workDir.resolve("data"));
            Path logFile = workDir.resolve("s3proxy.log");
            int port = freePort();
            URI endpoint = URI.create("http://127.0.0.1:" + port);
            Properties props = new Properties();
            props.setProperty("s3proxy.endpoint", endpoint.toString());
            props.setProperty("s3proxy.authorization", "aws-v2-or-v4");
            props.setProperty("s3proxy.identity", ACCESS_KEY);
            props.setProperty("s3proxy.credential", SECRET_KEY);
            props.setProperty("s3proxy.ignore-unknown-headers", "true");
            props.setProperty("jclouds.provider", "filesystem-nio2");
            props.setProperty("jclouds.identity", ACCESS_KEY);
            props.setProperty("jclouds.credential", SECRET_KEY);
            props.setProperty("jclouds.filesystem.basedir", dataDir.toString());
            Path propsFile = workDir.resolve("s3proxy.properties");
            try (var out = Files.newBufferedWriter(propsFile, StandardCharsets.UTF_8)) {
                props.store(out, "hub-mirror test s3proxy");
            }
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx256m", "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC", "-jar", jar.toString(), "--properties", propsFile.toString()));
            ProcessBuilder pb = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(logFile.toFile());
            pb.environment().put("LOG_LEVEL", "warn");
            Process process = pb.start();
            S3ProxyServer server = new S3ProxyServer(process, workDir, dataDir, logFile, endpoint);
            try {
                server.awaitPort(port);
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start s3proxy", e);
        }
    }

    private static Path jar() {
        String configured = System.getProperty("s3proxy.jar");
        Path jar = configured != null && !configured.isBlank() ? Path.of(configured)
                : Path.of("target", "s3proxy", "s3proxy.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("s3proxy jar not found at " + jar.toAbsolutePath()
                    + ": run the tests through Maven (process-test-resources copies it) or set -Ds3proxy.jar");
        }
        return jar;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private void awaitPort(int port) {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("s3proxy exited with code " + process.exitValue() + ": " + logTail());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for s3proxy", e);
                }
            }
        }
        throw new IllegalStateException("s3proxy did not listen on port " + port + " within " + STARTUP_TIMEOUT
                + ": " + logTail());
    }

    private String logTail() {
        try {
            String log = Files.readString(logFile, StandardCharsets.UTF_8);
            return log.length() > 4000 ? log.substring(log.length() - 4000) : log;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** The base URL, e.g. {@code http://127.0.0.1:41234}. */
    public URI endpoint() {
        return endpoint;
    }

    /** The access key id s3proxy accepts. */
    public String accessKey() {
        return ACCESS_KEY;
    }

    /** The secret access key s3proxy accepts. */
    public String secretKey() {
        return SECRET_KEY;
    }

    /** The region to configure clients with (s3proxy accepts any). */
    public String region() {
        return "us-east-1";
    }

    /** The directory holding one sub-directory per bucket, objects as files below it. */
    public Path dataDir() {
        return dataDir;
    }

    /** The file s3proxy writes its output to. */
    public Path logFile() {
        return logFile;
    }

    /**
     * Config properties that point the service at this server, e.g. for a {@code QuarkusTestResourceLifecycleManager}:
     * {@code mirror.store.url}, {@code mirror.store.s3.endpoint}, {@code mirror.store.s3.region},
     * {@code mirror.store.s3.path-style}. The SDK reads credentials itself: see {@link #setCredentialSystemProperties()}.
     */
    public Map<String, String> storeProperties(String storeUrl) {
        return Map.of("mirror.store.url", storeUrl,
                "mirror.store.s3.endpoint", endpoint.toString(),
                "mirror.store.s3.region", region(),
                "mirror.store.s3.path-style", "true");
    }

    /**
     * Sets the system properties {@code aws.accessKeyId} and {@code aws.secretAccessKey} to this server's credentials,
     * so that clients built with the SDK's default credentials chain (as the service builds them) authenticate here.
     * They are JVM-global: undo with {@link #clearCredentialSystemProperties()}.
     */
    public void setCredentialSystemProperties() {
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", SECRET_KEY);
    }

    /** Removes the system properties set by {@link #setCredentialSystemProperties()}. */
    public void clearCredentialSystemProperties() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    /**
     * A client for this server with its credentials, path-style, checksums only where required, no SDK retries;
     * shared, closed by {@link #close()}.
     */
    public synchronized S3AsyncClient client() {
        if (client == null) {
            client = client(ACCESS_KEY, SECRET_KEY);
        }
        return client;
    }

    /** A new client for this server with the given credentials (close it yourself). */
    public S3AsyncClient client(String accessKey, String secretKey) {
        return client(endpoint, accessKey, secretKey);
    }

    /**
     * A new client for another endpoint in front of this server (a {@link FaultyS3Proxy}) with the given credentials,
     * without SDK retries (close it yourself).
     */
    public S3AsyncClient client(URI endpoint, String accessKey, String secretKey) {
        return S3AsyncClient.builder()
                .endpointOverride(endpoint)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .region(Region.of(region()))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }

    /** Creates a bucket; blocks (test threads only). */
    public void createBucket(String name) {
        client().createBucket(b -> b.bucket(name)).join();
    }

    /** The bytes of an object; blocks (test threads only). */
    public byte[] objectBytes(String bucket, String key) {
        return inspect(() -> client().getObject(b -> b.bucket(bucket).key(key), AsyncResponseTransformer.toBytes()))
                .asByteArray();
    }

    /** The user metadata of an object; blocks (test threads only). */
    public Map<String, String> objectMetadata(String bucket, String key) {
        return inspect(() -> client().headObject(b -> b.bucket(bucket).key(key))).metadata();
    }

    /** The keys of all objects in a bucket under a prefix (first 1000); blocks (test threads only). */
    public List<String> keys(String bucket, String prefix) {
        return inspect(() -> client().listObjectsV2(b -> b.bucket(bucket).prefix(prefix))).contents().stream()
                .map(S3Object::key).toList();
    }

    /** Every regular file under s3proxy's data directory (its buckets on disk), relative to it, with '/' separators. */
    public List<String> filesOnDisk() {
        try (java.util.stream.Stream<Path> files = Files.walk(dataDir)) {
            return files.filter(Files::isRegularFile).map(p -> dataDir.relativize(p).toString().replace('\\', '/'))
                    .toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The multipart uploads in progress in a bucket; blocks (test threads only). */
    public List<MultipartUpload> uploadsInProgress(String bucket) {
        return inspect(() -> client().listMultipartUploads(b -> b.bucket(bucket))).uploads();
    }

    /**
     * Runs a read-only inspection request, sent again (up to 10 times, over about 10 s) when s3proxy answers 5xx: its
     * filesystem backend now and then answers 500 to a listing while a process that was just killed left a request
     * half-done. The code under test gets no such help; only the test's own looks at the bucket do.
     */
    private <T> T inspect(java.util.function.Supplier<java.util.concurrent.CompletableFuture<T>> request) {
        for (int attempt = 1;; attempt++) {
            try {
                return request.get().join();
            } catch (java.util.concurrent.CompletionException e) {
                boolean serverError = e.getCause() instanceof software.amazon.awssdk.services.s3.model.S3Exception s
                        && s.statusCode() >= 500;
                if (!serverError) {
                    throw e;
                }
                if (attempt == 10) {
                    throw new IllegalStateException("s3proxy answered 5xx to a test's inspection 10 times; the end of its"
                            + " log:\n" + logTail(60), e);
                }
                try {
                    Thread.sleep(Math.min(200L * attempt, 1500L));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** The last {@code lines} lines of s3proxy's output (for a failure's message). */
    private String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(log not readable: " + e.getMessage() + ")";
        }
    }

    /** Stops s3proxy and deletes its data. */
    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is already exiting; the hook runs anyway
        }
        deleteRecursively(workDir);
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp directory left behind is harmless
        }
    }
}
