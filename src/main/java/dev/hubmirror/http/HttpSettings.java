package dev.hubmirror.http;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How a {@link NettyHttpClient} connects and when it gives up on an exchange.
 *
 * @param maxConnectionsPerOrigin most connections open (or opening) to one origin at once
 * @param maxWaitingPerOrigin     most requests waiting (first come, first served) for a connection to one origin;
 *                                one more fails at once with {@link HttpFailure.Kind#QUEUE_FULL}
 * @param connectTimeout          longest time to connect, TLS handshake included
 * @param idleTimeout             longest silence while a byte is awaited (the response head or more of its body)
 * @param minBytesPerSecond       the least average rate over {@code minRateWindow} an exchange must keep; 0 turns the
 *                                rule off
 * @param minRateWindow           the window the minimum rate is measured over (the exchange's first window starts
 *                                when its request is written)
 * @param connectionIdleTimeout   how long an unused pooled connection is kept open
 * @param userAgent               the {@code User-Agent} sent when a request sets none
 * @param trustCertificates       PEM files of certificates trusted besides the JVM's trust store (a private Hub's CA,
 *                                a test's self-signed certificate)
 * @param proxy                   the forward proxies and the targets that bypass them
 */
public record HttpSettings(int maxConnectionsPerOrigin, int maxWaitingPerOrigin, Duration connectTimeout,
        Duration idleTimeout, long minBytesPerSecond, Duration minRateWindow, Duration connectionIdleTimeout,
        String userAgent, List<Path> trustCertificates, ProxySettings proxy) {

    /**
     * Validates the values.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public HttpSettings {
        if (maxConnectionsPerOrigin < 1) {
            throw new IllegalArgumentException("at least one connection per origin is needed, got "
                    + maxConnectionsPerOrigin);
        }
        if (maxWaitingPerOrigin < 0) {
            throw new IllegalArgumentException("the wait queue bound cannot be negative, got " + maxWaitingPerOrigin);
        }
        if (minBytesPerSecond < 0) {
            throw new IllegalArgumentException("the minimum rate cannot be negative, got " + minBytesPerSecond);
        }
        positive(connectTimeout, "connect timeout");
        positive(idleTimeout, "idle timeout");
        positive(minRateWindow, "minimum-rate window");
        positive(connectionIdleTimeout, "connection idle timeout");
        trustCertificates = List.copyOf(trustCertificates);
        if (proxy == null) {
            throw new IllegalArgumentException("proxy settings are required (ProxySettings.NONE for none)");
        }
    }

    private static void positive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("the " + what + " must be positive, got " + d);
        }
    }
}
