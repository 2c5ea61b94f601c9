package dev.hubmirror.http;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The client TLS context: the JDK provider, host name verification ({@code HTTPS} endpoint identification), SNI (set
 * per connection from the host), trusting the JVM's trust store and, when configured, the certificates of PEM files
 * besides it (a private Hub's CA, a test's self-signed certificate).
 */
final class TlsTrust {

    private TlsTrust() {
    }

    static SslContext clientContext(List<Path> extraCertificates) {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                    .endpointIdentificationAlgorithm("HTTPS");
            if (!extraCertificates.isEmpty()) {
                builder.trustManager(trustManagers(extraCertificates));
            }
            return builder.build();
        } catch (SSLException e) {
            throw new IllegalStateException("the JVM cannot make a TLS client context: " + e.getMessage(), e);
        }
    }

    /** The JVM's trust anchors and those of {@code files}, in one PKIX trust manager factory. */
    static TrustManagerFactory trustManagers(List<Path> files) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            TrustManagerFactory jvm = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            jvm.init((KeyStore) null);
            int n = 0;
            for (TrustManager tm : jvm.getTrustManagers()) {
                if (tm instanceof X509TrustManager x509) {
                    for (X509Certificate anchor : x509.getAcceptedIssuers()) {
                        store.setCertificateEntry("jvm-" + n++, anchor);
                    }
                }
            }
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            for (Path file : files) {
                int before = n;
                try (InputStream in = Files.newInputStream(file)) {
                    for (Certificate c : x509.generateCertificates(in)) {
                        store.setCertificateEntry("extra-" + n++, c);
                    }
                } catch (IOException | GeneralSecurityException e) {
                    throw new IllegalArgumentException("cannot read the trusted-certificate PEM file " + file
                            + ": " + e.getMessage(), e);
                }
                if (n == before) {
                    throw new IllegalArgumentException("the trusted-certificate file " + file
                            + " holds no certificate (expected PEM, -----BEGIN CERTIFICATE-----)");
                }
            }
            TrustManagerFactory combined = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            combined.init(store);
            return combined;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("the JVM's trust store cannot be read: " + e.getMessage(), e);
        }
    }
}
