package dev.hubmirror.bootstrap;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * The default of {@code mirror.hub.token}: the token huggingface_hub would use ({@link HfTokenLookup}: {@code HF_TOKEN},
 * {@code HF_TOKEN_PATH}, {@code $HF_HOME/token}, {@code ~/.cache/huggingface/token}). An explicit
 * {@code mirror.hub.token} (env {@code MIRROR_HUB_TOKEN}, application.properties, a system property) wins: this source
 * has a low ordinal. Its name says where the token came from (never the token), so the startup log can tell.
 */
public class HfTokenSource implements ConfigSourceFactory {

    static final String TOKEN = "mirror.hub.token";
    /** Every source name of this factory starts with this. */
    static final String NAME = "huggingface_hub token lookup";
    private static final int ORDINAL = 20;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        return HfTokenLookup.find(name -> value(context, name), System.getProperty("user.home"))
                .<Iterable<ConfigSource>>map(found -> List.of(new PropertiesConfigSource(Map.of(TOKEN, found.token()),
                        NAME + ": " + found.source(), ORDINAL)))
                .orElse(List.of());
    }

    private static String value(ConfigSourceContext context, String name) {
        ConfigValue value = context.getValue(name);
        return value == null ? null : value.getValue();
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(ORDINAL);
    }
}
