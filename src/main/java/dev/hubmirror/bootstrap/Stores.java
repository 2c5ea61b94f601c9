package dev.hubmirror.bootstrap;

import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.StoreFactory;
import dev.hubmirror.store.StoreLocation;
import dev.hubmirror.store.StoreSettings;
import dev.hubmirror.store.fs.FilesystemObjectStore;
import dev.hubmirror.store.gcs.GcsObjectStore;
import dev.hubmirror.store.s3.S3ObjectStore;
import java.util.List;

/**
 * Every kind of store this build has, one {@link StoreFactory} per URL scheme: the one place that lists them. A new
 * kind of store is its adapter package (with a constructor from {@code StoreLocation} and {@code StoreSettings}) and
 * one line here.
 */
public final class Stores {

    /** The store factories, by scheme. */
    private static final List<StoreFactory> FACTORIES = List.of(
            StoreFactory.of("s3", S3ObjectStore::new),
            StoreFactory.of("gs", GcsObjectStore::new),
            StoreFactory.of("file", FilesystemObjectStore::new));

    private Stores() {
    }

    /**
     * The location of a store URL this build supports.
     *
     * @throws IllegalArgumentException for a URL that is not one, naming the schemes it supports
     */
    public static StoreLocation location(String url) {
        StoreLocation location = StoreLocation.parse(url);
        factory(url, location);
        return location;
    }

    /**
     * The store at {@code url}, built by its scheme's factory.
     *
     * @throws IllegalArgumentException for a URL this build does not support, or a configuration mistake
     */
    public static ObjectStore create(String url, StoreSettings settings) {
        StoreLocation location = StoreLocation.parse(url);
        return factory(url, location).create(location, settings);
    }

    private static StoreFactory factory(String url, StoreLocation location) {
        for (StoreFactory factory : FACTORIES) {
            if (factory.scheme().equals(location.scheme())) {
                return factory;
            }
        }
        List<String> schemes = FACTORIES.stream().map(StoreFactory::scheme).toList();
        String supported = String.join(", ", schemes.subList(0, schemes.size() - 1)) + " or "
                + schemes.get(schemes.size() - 1);
        throw new IllegalArgumentException("store url '" + url + "' has unsupported scheme '" + location.scheme()
                + "': use " + supported);
    }
}
