package dev.hubmirror.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for {@code localhost}, made once per test JVM with the JDK's own {@code keytool} (a child
 * process): a PKCS#12 keystore for a server (the TLS simulator) and the certificate as PEM for a client to trust
 * ({@code mirror.hub.trust-certificates}). It names {@code localhost} only (no IP), so a client that connects to
 * {@code 127.0.0.1} must refuse it.
 */
public final class TestCertificates {

    /** The keystore's password (a test value, nothing secret). */
    public static final String PASSWORD = "test-keystore";

    private static Path dir;

    private TestCertificates() {
    }

    /** The PKCS#12 keystore with the key and certificate. */
    public static synchronized Path keystore() {
        return generated().resolve("localhost.p12");
    }

    /** The certificate as PEM. */
    public static synchronized Path certificatePem() {
        return generated().resolve("localhost.pem");
    }

    private static Path generated() {
        if (dir != null) {
            return dir;
        }
        try {
            Path d = Files.createTempDirectory("hub-mirror-tls");
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            run(List.of(keytool, "-genkeypair", "-alias", "localhost", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", "CN=localhost", "-ext", "SAN=dns:localhost", "-validity", "7", "-storetype", "PKCS12",
                    "-keystore", d.resolve("localhost.p12").toString(), "-storepass", PASSWORD, "-keypass", PASSWORD));
            run(List.of(keytool, "-exportcert", "-rfc", "-alias", "localhost", "-keystore",
                    d.resolve("localhost.p12").toString(), "-storepass", PASSWORD, "-file",
                    d.resolve("localhost.pem").toString()));
            dir = d;
            return d;
        } catch (IOException e) {
            throw new IllegalStateException("cannot make a test certificate: " + e.getMessage(), e);
        }
    }

    private static void run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running keytool", e);
        }
    }
}
