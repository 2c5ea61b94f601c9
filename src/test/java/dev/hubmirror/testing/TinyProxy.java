package dev.hubmirror.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Debian's tinyproxy as a child process: a real forward proxy on 127.0.0.1 with its own config on an ephemeral port,
 * basic authentication, and a log of every connection and request line it served (what tests read to prove traffic
 * went through it). .ci/run installs the package when it is missing.
 */
public final class TinyProxy implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;

    private TinyProxy(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts tinyproxy requiring {@code user}/{@code password} (basic authentication); blocks until it listens.
     *
     * @throws IllegalStateException when tinyproxy is not installed or does not start
     */
    public static TinyProxy start(String user, String password) {
        return start("BasicAuth " + user + " " + password);
    }

    /** Starts tinyproxy without authentication; blocks until it listens. */
    public static TinyProxy start() {
        return start("");
    }

    private static TinyProxy start(String authLine) {
        try {
            Path dir = Files.createTempDirectory("tinyproxy");
            int port;
            try (ServerSocket free = new ServerSocket(0)) {
                port = free.getLocalPort();
            }
            Path log = dir.resolve("tinyproxy.log");
            Files.createFile(log);
            Path config = dir.resolve("tinyproxy.conf");
            Files.writeString(config, String.join("\n", "Port " + port, "Listen 127.0.0.1", "Timeout 60",
                    "LogFile \"" + log + "\"", "LogLevel Connect", "MaxClients 100", "Allow 127.0.0.1",
                    authLine, ""));
            Process process = new ProcessBuilder("tinyproxy", "-d", "-c", config.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.txt").toFile()).start();
            TinyProxy proxy = new TinyProxy(process, port, log);
            Path stdout = dir.resolve("stdout.txt");
            try {
                Poll.until(() -> proxy.listening() || !process.isAlive() ? Optional.of(true) : Optional.empty(),
                        Duration.ofSeconds(20), "tinyproxy listening on 127.0.0.1:" + port, () -> "");
            } catch (AssertionError e) {
                proxy.close();
                throw e;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("tinyproxy did not start on 127.0.0.1:" + port + ": "
                        + Files.readString(stdout));
            }
            return proxy;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start tinyproxy (apt-get install -y tinyproxy): " + e.getMessage(),
                    e);
        }
    }

    private boolean listening() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The request lines it served so far ({@code GET http://...}, {@code CONNECT host:port}), in order. */
    public List<String> requests() {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> l.contains("]: Request ("))
                    .map(l -> l.substring(l.indexOf("): ", l.indexOf("]: Request (")) + 3)).toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the tinyproxy log " + log, e);
        }
    }

    /** Its whole log. */
    public String logText() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the tinyproxy log " + log, e);
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
    }
}
