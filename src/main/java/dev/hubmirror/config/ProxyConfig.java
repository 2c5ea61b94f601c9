package dev.hubmirror.config;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/**
 * The forward proxy the service reaches the outside through. Each key falls back to the variable curl and
 * huggingface_hub read ({@code https_proxy}/{@code HTTPS_PROXY}, {@code http_proxy}/{@code HTTP_PROXY},
 * {@code no_proxy}/{@code NO_PROXY}, lower case first).
 */
@ConfigMapping(prefix = "mirror.proxy")
public interface ProxyConfig {

    /** The proxy for https targets, {@code http://host:port}; https goes through it in a {@code CONNECT} tunnel. */
    Optional<String> httpsProxy();

    /** The proxy for plain-http targets, {@code http://host:port}. */
    Optional<String> httpProxy();

    /** Targets that go direct: hosts (with their subdomains), {@code .domain}, IPs, CIDR blocks, {@code *}. */
    Optional<String> noProxy();

    /** User name for the proxy's basic authentication (else the one in the proxy URL, if any). */
    Optional<String> username();

    /** Password for the proxy's basic authentication, from a secret; never logged. */
    Optional<String> password();
}
