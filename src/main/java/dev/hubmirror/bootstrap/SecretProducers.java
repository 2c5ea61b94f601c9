package dev.hubmirror.bootstrap;

import dev.hubmirror.config.ApiConfig;
import dev.hubmirror.config.HubConfig;
import dev.hubmirror.config.RegistryConfig;
import dev.hubmirror.config.TokenConfig;
import dev.hubmirror.failure.Secrets;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;

/**
 * The one {@link Secrets} of the service: every secret it is configured with, so that text from outside can be
 * redacted of all of them wherever it is recorded (job errors) or logged ({@link SecretLogFilter}).
 */
@Singleton
public class SecretProducers {

    /** Environment variables the AWS SDK reads credentials from (when the store is S3). */
    static final List<String> AWS_SECRET_VARIABLES = List.of("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN");

    @Produces
    @Singleton
    Secrets secrets(HubConfig hub, TokenConfig tokens, ApiConfig api, RegistryConfig registry) {
        List<String> values = new ArrayList<>();
        registry.target().password().ifPresent(values::add);
        registry.credentials().values().forEach(c -> values.add(c.password()));
        hub.token().ifPresent(values::add);
        values.addAll(tokens.tokens().values());
        api.keys().values().forEach(key -> values.add(key.secret()));
        for (String variable : AWS_SECRET_VARIABLES) {
            values.add(System.getenv(variable));
        }
        // the generated API key, if any, is added by ApiKeys once it has read or created its file
        return Secrets.of(values);
    }
}
