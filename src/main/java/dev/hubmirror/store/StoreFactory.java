package dev.hubmirror.store;

import java.util.function.BiFunction;

/**
 * Builds the stores of one URL scheme: <b>the one extension point for a new kind of store</b>. An adapter is its
 * package and a constructor from its {@link StoreLocation} and the shared {@link StoreSettings}; {@code bootstrap.Stores}
 * lists one factory per scheme, and every store of the service (the default one, each named target) is built by its
 * scheme's factory.
 */
public interface StoreFactory {

    /** The URL scheme of the stores it builds: {@code s3}, {@code gs}, {@code file}. */
    String scheme();

    /**
     * A store at {@code location} (whose scheme is {@link #scheme()}). May block briefly (credentials, client setup):
     * call it at startup, never on an event loop.
     *
     * @throws IllegalArgumentException for a configuration mistake, naming the setting and what to do
     */
    ObjectStore create(StoreLocation location, StoreSettings settings);

    /** The factory of {@code scheme}'s stores, built by {@code build} (an adapter's constructor). */
    static StoreFactory of(String scheme, BiFunction<StoreLocation, StoreSettings, ObjectStore> build) {
        return new StoreFactory() {
            @Override
            public String scheme() {
                return scheme;
            }

            @Override
            public ObjectStore create(StoreLocation location, StoreSettings settings) {
                return build.apply(location, settings);
            }
        };
    }
}
