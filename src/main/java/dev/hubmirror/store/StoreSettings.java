package dev.hubmirror.store;

import dev.hubmirror.config.StoreConfig;
import dev.hubmirror.http.ProxySettings;
import io.vertx.core.Vertx;

/**
 * What every store is built with besides its location: the store settings ({@code mirror.store.*}, whose
 * {@code url} the location replaces), the Vert.x instance (its worker pools), the forward proxy, and where retries are
 * reported.
 *
 * @param config   {@code mirror.store.*}: each adapter reads its own part ({@code s3}, {@code gcs})
 * @param vertx    the Vert.x instance
 * @param proxy    the forward proxy, where it applies to the store's endpoint
 * @param observer where a store reports its retries
 */
public record StoreSettings(StoreConfig config, Vertx vertx, ProxySettings proxy, StoreObserver observer) {
}
