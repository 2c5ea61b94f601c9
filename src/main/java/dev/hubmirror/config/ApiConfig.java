package dev.hubmirror.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.Map;

/** Who may call the REST API: bearer API keys with a role (docs/security.md). */
@ConfigMapping(prefix = "mirror.api")
public interface ApiConfig {

    /** Authentication of the REST API. */
    Auth auth();

    /**
     * API keys by name: {@code mirror.api.keys.<name>.key} (the secret a caller sends as {@code Authorization: Bearer
     * <key>}) and {@code mirror.api.keys.<name>.role}. Never logged.
     */
    Map<String, Key> keys();

    /**
     * Where the service writes the submit key it generates at startup when auth is on and no key (and no OIDC) is
     * configured; an existing file is reused. Created with mode 600.
     */
    @WithDefault("data/api-key")
    String generatedKeyFile();

    /** How fast one caller may submit. */
    RateLimit rateLimit();

    /**
     * Submissions ({@code POST /v1/mirrors}) per caller: an API key by name, an OIDC subject, or the client address
     * with auth off. A token bucket: {@link #submissions()} at once, refilled evenly over {@link #period()}.
     */
    interface RateLimit {

        /** Submissions one caller may make per period; beyond, 429 {@code TOO_MANY_REQUESTS}. 0 turns it off. */
        @WithDefault("60")
        int submissions();

        /** The period over which {@link #submissions()} refill. */
        @WithDefault("1m")
        Duration period();
    }

    /** The auth switch. */
    interface Auth {

        /** Whether {@code /v1/*} requires a key (or an OIDC token); off, anyone who reaches the port may call it. */
        @WithDefault("true")
        boolean enabled();
    }

    /** One API key. */
    interface Key {

        /** The secret bearer key; at least 16 characters. */
        @WithName("key")
        String secret();

        /** {@code read} (GET endpoints) or {@code submit} (also POST and DELETE). */
        ApiRole role();
    }

    /** What a key may do; {@link #SUBMIT} implies {@link #READ}. */
    enum ApiRole {
        /** Job status, job events, verify. */
        READ,
        /** Also submit mirrors and cancel jobs. */
        SUBMIT;

        /** Whether this role may do what {@code needed} allows. */
        public boolean covers(ApiRole needed) {
            return this == SUBMIT || needed == READ;
        }
    }
}
