package dev.hubmirror.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The verify API ({@code GET /v1/verify}): how hard it may work the store. */
@ConfigMapping(prefix = "mirror.verify")
public interface VerifyConfig {

    /** Store requests (stat, or reads with {@code deep=true}) of one verification in flight at once. */
    @WithDefault("16")
    int concurrency();

    /** Most missing, wrong and unverified files listed in one answer (each list); the counts are always complete. */
    @WithDefault("1000")
    int maxListed();
}
