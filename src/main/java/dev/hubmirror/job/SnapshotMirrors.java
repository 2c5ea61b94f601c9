package dev.hubmirror.job;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.transfer.SnapshotMirror;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@link SnapshotMirror} for a job: into the default store or a configured target store, with the default Hub
 * token or a configured named token. Requests only ever name targets and tokens; URLs and tokens stay in the
 * service's configuration.
 */
public interface SnapshotMirrors {

    /**
     * The mirror into {@code target} ({@code null}: the default store) using token {@code tokenName} ({@code null}:
     * the default token).
     *
     * @throws MirrorException {@link Reason#INVALID_REQUEST} for a name that is not configured
     */
    SnapshotMirror mirror(String target, String tokenName);

    /** The configured target names. */
    Set<String> targets();

    /** The configured token names. */
    Set<String> tokens();

    /** Checks that the names are configured ({@code null} is always fine). */
    default void check(String target, String tokenName) {
        if (target != null && !targets().contains(target)) {
            throw unknownTarget(target, targets());
        }
        if (tokenName != null && !tokens().contains(tokenName)) {
            throw new MirrorException(Reason.INVALID_REQUEST, "unknown token name '" + printable(tokenName)
                    + "': use one of " + tokens() + " (mirror.tokens.<name>) or leave it out for the default token");
        }
    }

    /** The refusal of a target name that is not configured, naming those that are. */
    static MirrorException unknownTarget(String target, Set<String> targets) {
        return new MirrorException(Reason.INVALID_REQUEST, "unknown target '" + printable(target) + "': use one of "
                + new TreeSet<>(targets) + " (mirror.targets.<name>.url) or leave it out for the default store");
    }

    /** One mirror for everything: no named targets or tokens. */
    static SnapshotMirrors single(SnapshotMirror mirror) {
        return new SnapshotMirrors() {
            @Override
            public SnapshotMirror mirror(String target, String tokenName) {
                check(target, tokenName);
                return mirror;
            }

            @Override
            public Set<String> targets() {
                return Set.of();
            }

            @Override
            public Set<String> tokens() {
                return Set.of();
            }
        };
    }

    private static String printable(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
