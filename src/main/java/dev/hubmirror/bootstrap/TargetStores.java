package dev.hubmirror.bootstrap;

import dev.hubmirror.store.ObjectStore;
import java.util.Map;

/**
 * The stores of the configured targets ({@code mirror.targets.<name>.url}), built once at startup and closed with the
 * service: a target's mirrors and its verifier share its store (and so its connections).
 *
 * @param byName each target by its name
 */
record TargetStores(Map<String, Target> byName) implements AutoCloseable {

    /** The store and blobs setting of one target. */
    record Target(ObjectStore store, boolean blobs) {
    }

    TargetStores {
        byName = Map.copyOf(byName);
    }

    @Override
    public void close() throws Exception {
        for (Target target : byName.values()) {
            if (target.store() instanceof AutoCloseable c) {
                c.close();
            }
        }
    }
}
