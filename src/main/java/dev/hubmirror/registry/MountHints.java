package dev.hubmirror.registry;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where in the target registry a blob was last seen (pushed, mounted or found), so that the next repository that needs
 * it can mount it instead of uploading it again ({@code POST ?mount=<digest>&from=<repository>}). Bounded: the least
 * recently used of {@link #MAX_ENTRIES} entries is forgotten (a forgotten hint only costs an upload). Thread-safe.
 */
final class MountHints {

    /** Entries kept (a few MB of heap). */
    static final int MAX_ENTRIES = 20_000;

    private final Map<Digest, String> repositories = new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Digest, String> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    /** A repository of the target other than {@code repository} that holds {@code digest}, if one is known. */
    synchronized Optional<String> elsewhere(Digest digest, String repository) {
        String known = repositories.get(digest);
        return known == null || known.equals(repository) ? Optional.empty() : Optional.of(known);
    }

    /** {@code digest} is in {@code repository} of the target. */
    synchronized void seen(Digest digest, String repository) {
        repositories.put(digest, repository);
    }
}
