package dev.hubmirror.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's {@code docker-registry} (the CNCF distribution registry 2.8) as a child process on 127.0.0.1, with its own
 * config and storage in a temp directory: anonymous, behind htpasswd basic authentication, or behind token
 * authentication ({@code auth: token}) trusting a {@link TokenIssuer}'s certificate. .ci/run installs the package
 * when it is missing.
 *
 * <p>Its environment has no {@code REGISTRY_*} variable: distribution reads them as config overrides, and one of
 * skopeo's ({@code REGISTRY_AUTH_FILE}) stops it from starting. Starting takes a fraction of a second; share one per
 * test class.
 */
public final class DistributionRegistry implements AutoCloseable {

    /** The user of {@link #withBasicAuth()}. */
    public static final String USER = "pusher";
    /** Its password (a test value, nothing secret). */
    public static final String PASSWORD = "target-test-password";
    /** bcrypt (cost 4) of {@link #PASSWORD}, as {@code htpasswd -B} writes it: distribution accepts only bcrypt. */
    private static final String PASSWORD_BCRYPT = "$2b$04$4HMsgIzltHSw5V9kqU7zoemF6RgXxkMW3CgjAKAs7CUN1lhy1.Wbq";

    private final Process process;
    private final int port;
    private final Path dir;
    private final Thread shutdownHook;

    private DistributionRegistry(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.shutdownHook = new Thread(process::destroyForcibly, "docker-registry-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** An anonymous registry. */
    public static DistributionRegistry anonymous() {
        return start(freePort(), "");
    }

    /** A registry that wants {@link #USER}/{@link #PASSWORD} (basic authentication, htpasswd). */
    public static DistributionRegistry withBasicAuth() {
        Path dir = tempDir();
        Path htpasswd = dir.resolve("htpasswd");
        write(htpasswd, USER + ":" + PASSWORD_BCRYPT + "\n");
        return start(freePort(), String.join("\n", "auth:", "  htpasswd:", "    realm: test-registry",
                "    path: " + htpasswd, ""));
    }

    /**
     * A registry behind token authentication: it sends clients to {@code realm} for a token issued for
     * {@code service} by {@code issuer}'s key.
     */
    public static DistributionRegistry withTokenAuth(int port, String realm, TokenIssuer issuer) {
        return start(port, String.join("\n", "auth:", "  token:", "    realm: " + realm, "    service: "
                + issuer.service(), "    issuer: " + issuer.issuer(), "    rootcertbundle: " + issuer.certificate(),
                ""));
    }

    private static DistributionRegistry start(int port, String auth) {
        Path dir = tempDir();
        Path data = dir.resolve("data");
        Path config = dir.resolve("config.yml");
        write(config, String.join("\n", "version: 0.1", "log:", "  level: info", "  accesslog:", "    disabled: true",
                "storage:", "  filesystem:", "    rootdirectory: " + data, "  delete:", "    enabled: true",
                "  maintenance:", "    uploadpurging:", "      enabled: false", "http:",
                "  addr: 127.0.0.1:" + port, "  secret: hub-mirror-test-secret", auth));
        ProcessBuilder builder = new ProcessBuilder("docker-registry", "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("REGISTRY_"));
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start docker-registry (apt-get install -y docker-registry): "
                    + e.getMessage(), e);
        }
        DistributionRegistry registry = new DistributionRegistry(process, port, dir);
        try {
            Poll.until(() -> registry.listening() || !process.isAlive() ? Optional.of(true) : Optional.empty(),
                    Duration.ofSeconds(30), "docker-registry listening on 127.0.0.1:" + port, registry::logTail);
        } catch (AssertionError e) {
            registry.close();
            throw e;
        }
        if (!process.isAlive()) {
            String log = registry.logTail();
            registry.close();
            throw new IllegalStateException("docker-registry did not start on 127.0.0.1:" + port + log);
        }
        return registry;
    }

    private boolean listening() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A free loopback port (for a registry whose token realm must know its front's port first). */
    public static int freePort() {
        try (ServerSocket free = new ServerSocket(0)) {
            return free.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("docker-registry");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:<port>}, as image references name it. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    /** Where it stores the bytes of blob {@code digest} ({@code sha256:...}) on disk. */
    public Path blobData(String digest) {
        String hex = digest.substring("sha256:".length());
        return dir.resolve("data/docker/registry/v2/blobs/sha256/" + hex.substring(0, 2) + "/" + hex + "/data");
    }

    /** The directory that links blob {@code digest} into {@code repository} (without it, the repository lacks it). */
    public Path layerLink(String repository, String digest) {
        return dir.resolve("data/docker/registry/v2/repositories/" + repository + "/_layers/sha256/"
                + digest.substring("sha256:".length()));
    }

    /** The last lines of its log, for diagnostics. */
    public String logTail() {
        try {
            String log = Files.readString(dir.resolve("registry.log"), StandardCharsets.UTF_8);
            return "\n--- docker-registry log (tail) ---\n" + log.substring(Math.max(0, log.length() - 4000));
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs anyway
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp directory
        }
    }
}
