package dev.hubmirror.job;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.transfer.SnapshotVerifier;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link SnapshotVerifier} per store a job can write to: the default store and each configured target
 * ({@code mirror.targets.<name>.url}), so that a snapshot is verified where it was mirrored.
 */
public final class SnapshotVerifiers {

    private final SnapshotVerifier defaultVerifier;
    private final Map<String, SnapshotVerifier> named;

    public SnapshotVerifiers(SnapshotVerifier defaultVerifier, Map<String, SnapshotVerifier> named) {
        this.defaultVerifier = Objects.requireNonNull(defaultVerifier, "defaultVerifier");
        this.named = Map.copyOf(named);
    }

    /**
     * The verifier of target {@code target}; {@code null} or blank: the default store's.
     *
     * @throws MirrorException {@link Reason#INVALID_REQUEST} for a name that is not configured
     */
    public SnapshotVerifier of(String target) {
        if (target == null || target.isBlank()) {
            return defaultVerifier;
        }
        SnapshotVerifier verifier = named.get(target.trim());
        if (verifier == null) {
            throw SnapshotMirrors.unknownTarget(target, named.keySet());
        }
        return verifier;
    }

    /** The configured target names. */
    public Set<String> targets() {
        return named.keySet();
    }
}
