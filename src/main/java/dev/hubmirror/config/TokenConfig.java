package dev.hubmirror.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithParentName;
import java.util.Map;

/**
 * Named Hub tokens a request may choose by name ({@code tokenName}) instead of the default token
 * ({@link HubConfig#token()}): {@code mirror.tokens.<name>}. A request never carries a token, only one of these names.
 * Never logged.
 */
@ConfigMapping(prefix = "mirror.tokens")
public interface TokenConfig {

    /** The named tokens. */
    @WithParentName
    Map<String, String> tokens();
}
