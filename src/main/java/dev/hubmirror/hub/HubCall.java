package dev.hubmirror.hub;

/**
 * What one client operation is about, so that every failure message names the repo, the revision or commit, and the
 * file.
 *
 * @param ref    the repo and the revision the caller named; {@code null} for the token check, which is about no repo
 * @param commit the resolved commit, {@code null} while resolving
 * @param path   the file, {@code null} unless downloading
 */
record HubCall(RepoRef ref, String commit, String path) {

    static HubCall revision(RepoRef ref) {
        return new HubCall(ref, null, null);
    }

    static HubCall tree(RepoRef ref, String commit) {
        return new HubCall(ref, commit, null);
    }

    static HubCall file(RepoRef ref, String commit, String path) {
        return new HubCall(ref, commit, path);
    }

    /** The token check ({@code GET /api/whoami-v2}): no repo. */
    static HubCall whoami() {
        return new HubCall(null, null, null);
    }

    /** {@code model org/name revision 'main'}, {@code model org/name at commit abc... file 'x.bin'}. */
    String describe() {
        if (ref == null) {
            return "token check (GET /api/whoami-v2)";
        }
        StringBuilder b = new StringBuilder(ref.type().singular()).append(' ').append(ref.id().id());
        if (commit == null || commit.equals(ref.revision())) {
            b.append(commit == null ? " revision '" : " at commit '").append(ref.revision()).append('\'');
        } else {
            b.append(" at commit ").append(commit).append(" (revision '").append(ref.revision()).append("')");
        }
        if (path != null) {
            b.append(" file '").append(HubFailures.printable(path)).append('\'');
        }
        return b.toString();
    }
}
