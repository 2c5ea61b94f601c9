package dev.hubmirror.transfer;

import dev.hubmirror.hub.RepoRef;

/**
 * Object keys of the HuggingFace cache layout, relative to the store prefix. Symlink-free: snapshot files are real
 * objects; {@code blobs/} is optional.
 *
 * <pre>
 * models--org--name/snapshots/&lt;commit&gt;/&lt;path&gt;
 * models--org--name/trees/&lt;commit&gt;.json
 * models--org--name/refs/&lt;revision&gt;          (refs/pr/1 at refs/refs/pr/1)
 * models--org--name/blobs/&lt;etag&gt;             (optional)
 * </pre>
 */
public final class CacheLayout {

    private CacheLayout() {
    }

    /** {@code models--org--name}. */
    public static String repoFolder(RepoRef ref) {
        return ref.id().cacheFolder(ref.type());
    }

    /** The snapshot folder, with a trailing slash. */
    public static String snapshotFolder(RepoRef ref, String commit) {
        return repoFolder(ref) + "/snapshots/" + commit + "/";
    }

    /** A file of the snapshot. */
    public static String snapshotFile(RepoRef ref, String commit, String path) {
        return snapshotFolder(ref, commit) + path;
    }

    /** The tree listing written by huggingface_hub 1.22+. */
    public static String tree(RepoRef ref, String commit) {
        return repoFolder(ref) + "/trees/" + commit + ".json";
    }

    /** The ref file for the revision the caller named. */
    public static String ref(RepoRef ref) {
        return repoFolder(ref) + "/refs/" + ref.revision();
    }

    /** The blob copy of a file, named by its etag (sha256 for LFS, git sha1 otherwise). */
    public static String blob(RepoRef ref, String etag) {
        return repoFolder(ref) + "/blobs/" + etag;
    }
}
