package dev.hubmirror.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The packaged service ({@code target/quarkus-app/quarkus-run.jar}, built by the package phase) running as a child
 * process: a real replica, with its own JVM, configured by system properties. Its output goes to
 * {@code target/it-logs/<name>.log}. {@link #stop()} sends SIGTERM (a graceful shutdown), {@link #kill()} SIGKILL (a
 * crash).
 */
public final class ServiceProcess implements AutoCloseable {

    private static final Logger LOGGER = Logger.getLogger(ServiceProcess.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private final String name;
    private final Process process;
    private final Path log;
    private final int httpPort;
    private final int managementPort;

    private ServiceProcess(String name, Process process, Path log, int httpPort, int managementPort) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.httpPort = httpPort;
        this.managementPort = managementPort;
    }

    /**
     * Launches the service with {@code properties} as system properties; does not wait for it (see
     * {@link #awaitReady()}). Every replica accepts {@link ApiKeys#SUBMIT} and follows redirects to loopback.
     */
    public static ServiceProcess launch(String name, Map<String, String> properties) {
        String jar = System.getProperty("quarkus.app.jar", "target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("no packaged service at " + jar + ": run the package phase first "
                    + "(./mvnw verify runs *IT tests after it)");
        }
        int httpPort = freePort();
        int managementPort = freePort();
        Path dir = Path.of("target", "it-work", name);
        Path log = Path.of("target", "it-logs", name + ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-Dquarkus.http.port=" + httpPort, "-Dquarkus.management.port=" + managementPort));
        // defaults for every replica, before the caller's properties (the last -D of a key wins): the test API key
        // (ApiKeys.SUBMIT), and the simulator's CDN on loopback, another port than its Hub
        command.add("-Dmirror.api.keys.tests.key=" + ApiKeys.SUBMIT);
        command.add("-Dmirror.api.keys.tests.role=submit");
        command.add("-Dmirror.hub.allow-private-redirects=true");
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(Path.of(jar).toAbsolutePath().toString());
        try {
            Files.createDirectories(dir);
            Files.createDirectories(log.getParent());
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            LOGGER.infof("service launched name=%s pid=%d http=%d management=%d", name, process.pid(), httpPort,
                    managementPort);
            return new ServiceProcess(name, process, log, httpPort, managementPort);
        } catch (IOException e) {
            throw new UncheckedIOException("could not launch " + name, e);
        }
    }

    /** Waits until the service answers ready ({@code /q/health/ready} 200). */
    public ServiceProcess awaitReady() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + tail());
            }
            try {
                HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + managementPort + "/q/health/ready")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (ready.statusCode() == 200) {
                    LOGGER.infof("service ready name=%s", name);
                    return this;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(200);
        }
        throw new IllegalStateException(name + " was not ready within " + READY_TIMEOUT + ":\n" + tail());
    }

    /** The instance name given at launch. */
    public String name() {
        return name;
    }

    /** {@code http://127.0.0.1:<port>} of the REST API. */
    public String url() {
        return "http://127.0.0.1:" + httpPort;
    }

    /** Whether the process runs. */
    public boolean alive() {
        return process.isAlive();
    }

    /** SIGTERM, then waits for the exit. */
    public void stop() {
        process.destroy();
        awaitExit();
    }

    /** SIGKILL: the process dies at once, like a crash or an OOM kill. */
    public void kill() {
        process.destroyForcibly();
        awaitExit();
    }

    /**
     * Waits up to {@code limit} for the process to exit by itself and returns its exit code; fails when it still
     * runs then (and kills it).
     */
    public int awaitExit(Duration limit) {
        try {
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(name + " still ran after " + limit + ":\n" + tail());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return process.exitValue();
    }

    /** Everything the service wrote (stdout and stderr). */
    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last lines of the service's output. */
    public String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop();
        }
    }

    private void awaitExit() {
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOGGER.infof("service exited name=%s", name);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
