package dev.hubmirror.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** How the service talks to the HuggingFace Hub. */
@ConfigMapping(prefix = "mirror.hub")
public interface HubConfig {

    /** Base URL of the Hub; env {@code HF_ENDPOINT} as huggingface_hub reads it. */
    @WithDefault("${HF_ENDPOINT:https://huggingface.co}")
    String endpoint();

    /**
     * Default Hub token for gated and private repos. Default: the token huggingface_hub would use ({@code HF_TOKEN},
     * else the file {@code HF_TOKEN_PATH}, {@code $HF_HOME/token} or {@code ~/.cache/huggingface/token}); env
     * {@code MIRROR_HUB_TOKEN} wins over those. Never logged.
     */
    Optional<String> token();

    /**
     * Hosts an absolute redirect may point to, besides the Hub host itself (on any port). {@code *.example.com}
     * matches any subdomain (not the apex), {@code host} exactly that host on any port, {@code host:port} only that
     * port. The token is sent to none of them: only to the exact origin of {@link #endpoint()}.
     */
    @WithDefault("*.huggingface.co,*.hf.co,*.xethub.hf.co")
    List<String> redirectAllowlist();

    /**
     * Whether a redirect may lead to an internal address (loopback, private, link-local incl. 169.254.169.254, unique
     * local). Off (the default), the client checks the address it actually connected to for every host other than the
     * Hub's own origin and refuses the redirect with {@code REDIRECT_REFUSED} before sending a request. Turn it on only
     * for a Hub and CDN on the private network (the bundled simulator, a private Hub mirror).
     */
    @WithDefault("false")
    boolean allowPrivateRedirects();

    /** Time to establish a TCP/TLS connection. */
    @WithDefault("10s")
    Duration connectTimeout();

    /** Longest silence while waiting for response headers or body bytes before the attempt is abandoned. */
    @WithDefault("60s")
    Duration idleTimeout();

    /**
     * The least average rate, in bytes per second, a response must keep over {@link #minRateWindow()}; a slower one
     * (a body that trickles a byte every few seconds and so never looks idle) is abandoned like an idle one and
     * retried, resuming a download where it stopped. {@code 0} turns the rule off.
     */
    @WithDefault("32K")
    MemorySize minRate();

    /** The sliding window {@link #minRate()} is measured over; an exchange's first window starts with its request. */
    @WithDefault("60s")
    Duration minRateWindow();

    /** Attempts per request (first try included) for 5xx, 429 and connection failures, and per cut download. */
    @WithDefault("6")
    int maxAttempts();

    /** First backoff delay; doubles per attempt, with jitter, up to {@link #maxBackoff()}. */
    @WithDefault("500ms")
    Duration initialBackoff();

    /** Upper bound of one backoff delay, and of a server-sent {@code Retry-After} we agree to honour. */
    @WithDefault("60s")
    Duration maxBackoff();

    /** The random fraction of each backoff step, 0 (exact steps) to 1 (anywhere from 0 to the step). */
    @WithDefault("0.5")
    double retryJitter();

    /** Most redirects followed for one request. */
    @WithDefault("5")
    int maxRedirects();

    /** Most HTTP connections open at once per origin (scheme, host, port): the Hub, each CDN host. */
    @WithDefault("32")
    int maxConnectionsPerHost();

    /**
     * Most requests waiting (first come, first served) for a connection to one origin while all of its connections
     * are busy; one more fails at once with {@code HUB_CONNECTION} (and is retried after a backoff).
     */
    @WithDefault("1000")
    int maxWaitingRequestsPerHost();

    /** How long an unused pooled connection is kept open for reuse. */
    @WithDefault("30s")
    Duration connectionIdleTimeout();

    /**
     * PEM files with certificates to trust for TLS besides the JVM's trust store: the CA of a private Hub or of a
     * TLS-inspecting proxy, or a self-signed certificate.
     */
    Optional<List<String>> trustCertificates();

    /** Entries per page requested when listing a tree (the Hub caps this itself). */
    @WithDefault("1000")
    int treePageSize();

    /**
     * Most files one tree listing may return (folders are bounded by the same number); a longer tree fails with
     * {@code HUB_PROTOCOL} so that a hostile or broken Hub cannot exhaust memory.
     */
    @WithDefault("100000")
    int maxFiles();

    /**
     * Files whose resolved download URL (where {@code /resolve} redirects to: a signed CDN URL for LFS files) is kept,
     * so the Range requests of a file's parts skip the Hub; 0 resolves on every request.
     */
    @WithDefault("1000")
    int resolvedUrlCacheSize();

    /**
     * How long a resolved download URL is used; keep it below the CDN's signature lifetime. A URL the CDN refuses
     * (401/403/410) is resolved again at once, whatever its age.
     */
    @WithDefault("10m")
    Duration resolvedUrlMaxAge();
}
