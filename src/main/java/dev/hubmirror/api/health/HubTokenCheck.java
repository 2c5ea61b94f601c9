package dev.hubmirror.api.health;

import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.STATUS;
import static dev.hubmirror.log.LogKeys.TOKEN;
import static dev.hubmirror.log.LogKeys.USER;

import dev.hubmirror.config.HealthConfig;
import dev.hubmirror.config.HubConfig;
import dev.hubmirror.config.TokenConfig;
import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.hub.HubClient;
import dev.hubmirror.hub.HubIdentity;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * The Hub token check, at startup and in readiness: asks the Hub who each configured token belongs to
 * ({@code GET /api/whoami-v2}), so that a bad {@code HF_TOKEN} is reported before the first job rather than by it. A
 * default token the Hub refuses (401/403) makes readiness DOWN (every request with it would fail: the Hub refuses an
 * invalid token even for public repos); a refused named token ({@code mirror.tokens.<name>}) is reported in the data
 * and the log without failing readiness (only the requests naming it fail). A Hub that does not answer never fails
 * readiness, as for {@link HubReachabilityCheck}: the token is then reported unchecked. With no token nothing is
 * sent. The result is reused for {@code mirror.health.token-check-interval}; the log says when a verdict changes.
 * Tokens are never logged or reported, only their config names and the account they belong to.
 */
@Readiness
@ApplicationScoped
public class HubTokenCheck implements AsyncHealthCheck {

    static final String NAME = "hub-token";
    private static final Logger LOGGER = Logger.getLogger(HubTokenCheck.class);
    private static final String DEFAULT = "mirror.hub.token";

    /** The verdict on one token. */
    enum Verdict {
        /** The Hub named the token's account. */
        VALID,
        /** The Hub refused the token (401/403). */
        REFUSED,
        /** The Hub did not answer (or answered something else): nothing is known. */
        UNCHECKED
    }

    /** What the Hub said about one token; {@code detail} never holds the token. */
    record Result(String key, Verdict verdict, String detail) {
    }

    private final ProbeCache cache;
    private final Map<String, Verdict> logged = new ConcurrentHashMap<>();

    public HubTokenCheck(HubClient hub, HubConfig hubConfig, TokenConfig tokenConfig, HealthConfig config) {
        boolean hasDefault = hubConfig.token().map(String::trim).filter(t -> !t.isEmpty()).isPresent();
        Map<String, HubClient> clients = new TreeMap<>();
        tokenConfig.tokens().forEach((name, token) -> {
            if (!token.isBlank()) {
                clients.put("mirror.tokens." + name, hub.withToken(token));
            }
        });
        String endpoint = hubConfig.endpoint();
        this.cache = new ProbeCache(NAME, () -> probe(hasDefault ? hub : null, clients)
                .map(results -> response(endpoint, hasDefault, results)),
                config.tokenCheckInterval(), config.probeTimeout(),
                () -> base(endpoint).up().withData("token", hasDefault ? "unchecked" : "none")
                        .withData("error", "the Hub did not answer the token check within " + config.probeTimeout()
                                + " (mirror.health.probe-timeout)").build());
    }

    /** Checks the tokens at startup, so that the log reports a bad one before any job runs. */
    void checkAtStartup(@Observes StartupEvent event) {
        cache.get().subscribe().with(response -> LOGGER.debugf("hub token check done" + STATUS, response.getStatus()),
                failure -> LOGGER.warnf("hub token check failed" + ERROR, failure.getMessage()));
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return cache.get();
    }

    private Uni<List<Result>> probe(HubClient defaultClient, Map<String, HubClient> named) {
        List<Uni<Result>> checks = new ArrayList<>();
        if (defaultClient != null) {
            checks.add(check(DEFAULT, defaultClient));
        }
        named.forEach((key, client) -> checks.add(check(key, client)));
        if (checks.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return Uni.join().all(checks).andCollectFailures().invoke(results -> results.forEach(this::logChange));
    }

    private static Uni<Result> check(String key, HubClient client) {
        return Uni.createFrom().deferred(client::whoami)
                .map(identity -> new Result(key, Verdict.VALID, describe(identity)))
                .onFailure().recoverWithItem(e -> {
                    MirrorException failure = MirrorException.of(e);
                    return failure.reason() == Reason.UNAUTHORIZED
                            ? new Result(key, Verdict.REFUSED, failure.getMessage())
                            : new Result(key, Verdict.UNCHECKED, failure.getMessage());
                });
    }

    private static String describe(HubIdentity identity) {
        return identity.name() + (identity.tokenRole() == null ? "" : " (token role " + identity.tokenRole() + ")");
    }

    private static HealthCheckResponse response(String endpoint, boolean hasDefault, List<Result> results) {
        HealthCheckResponseBuilder b = base(endpoint).up();
        if (!hasDefault) {
            b.withData("token", "none");
        }
        for (Result r : results) {
            String prefix = r.key().equals(DEFAULT) ? "" : r.key() + ".";
            b.withData(prefix + "token", r.verdict().name().toLowerCase(Locale.ROOT));
            b.withData(prefix + (r.verdict() == Verdict.VALID ? "user" : "error"), r.detail());
            if (r.key().equals(DEFAULT) && r.verdict() == Verdict.REFUSED) {
                b.down().withData("reason", Reason.UNAUTHORIZED.name());
            }
        }
        return b.build();
    }

    private void logChange(Result r) {
        if (logged.put(r.key(), r.verdict()) == r.verdict()) {
            return;
        }
        switch (r.verdict()) {
            case VALID -> LOGGER.infof("hub token valid" + TOKEN + USER, r.key(), r.detail());
            case REFUSED -> LOGGER.errorf("hub token refused" + TOKEN + ERROR + ": %s", r.key(), Reason.UNAUTHORIZED,
                    (r.key().equals(DEFAULT) ? "every job would fail; set HF_TOKEN (or HF_TOKEN_PATH, "
                            + "MIRROR_HUB_TOKEN) to a valid token. " : "requests naming it would fail; replace it. ")
                            + r.detail());
            case UNCHECKED -> LOGGER.warnf("hub token not checked" + TOKEN + ": %s", r.key(), r.detail());
            default -> throw new IllegalStateException(r.verdict().name());
        }
    }

    private static HealthCheckResponseBuilder base(String endpoint) {
        return HealthCheckResponse.named(NAME).withData("endpoint", endpoint)
                .withData("checkedAt", Instant.now().toString());
    }
}
