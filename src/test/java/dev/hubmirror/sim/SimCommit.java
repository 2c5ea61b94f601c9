package dev.hubmirror.sim;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A commit of a simulated repo. It starts with the files of the repo's previous commit; the builder methods add,
 * replace or remove files. Changing a commit after a later commit was created does not change the later one.
 * Thread-safe: tests may change commits while the simulator serves them.
 */
public final class SimCommit {

    private static final Instant EPOCH = Instant.parse("2024-01-01T00:00:00Z");

    private final Object lock;
    private final SimRepo repo;
    private final int index;
    private final String sha;
    private final TreeMap<String, SimFile> files;

    SimCommit(Object lock, SimRepo repo, int index, Map<String, SimFile> initialFiles) {
        this.lock = lock;
        this.repo = repo;
        this.index = index;
        this.sha = SimContent.sha1Hex(repo.type().singular() + ":" + repo.id() + "#" + index);
        this.files = new TreeMap<>(initialFiles);
    }

    /** The 40-hex commit id, deterministic from the repo type, id and the commit's index in the repo. */
    public String sha() {
        return sha;
    }

    /** The repo this commit belongs to. */
    public SimRepo repo() {
        return repo;
    }

    /** 0 for the first commit of the repo, 1 for the next... */
    public int index() {
        return index;
    }

    /** Commit title, as the tree's {@code lastCommit} shows it. */
    public String title() {
        return "Commit " + index;
    }

    /** Commit date: deterministic, one hour per commit index after 2024-01-01. */
    public Instant date() {
        return EPOCH.plusSeconds(3600L * index);
    }

    /** Adds (or replaces) an LFS file of {@code size} bytes generated from {@code seed}. */
    public SimCommit lfsFile(String path, long size, long seed) {
        return put(new SimFile(checkPath(path), size, true, SimContent.generated(seed, size)));
    }

    /**
     * Adds an LFS file whose advertised sha256 is {@code claimedSha256} instead of the real digest of its generated
     * content: nothing is hashed (for huge files read only in part) and a client that verifies sees a mismatch.
     */
    public SimCommit lfsFile(String path, long size, long seed, String claimedSha256) {
        return put(new SimFile(checkPath(path), size, true, SimContent.claimed(seed, size, claimedSha256)));
    }

    /** Adds (or replaces) a regular (git) file of {@code size} bytes generated from {@code seed}. */
    public SimCommit regularFile(String path, long size, long seed) {
        return put(new SimFile(checkPath(path), size, false, SimContent.generated(seed, size)));
    }

    /** Adds (or replaces) a regular file with the UTF-8 bytes of {@code content}. */
    public SimCommit textFile(String path, String content) {
        SimContent c = SimContent.text(content);
        return put(new SimFile(checkPath(path), c.size(), false, c));
    }

    /** Adds (or replaces) an LFS file with the UTF-8 bytes of {@code content}. */
    public SimCommit lfsTextFile(String path, String content) {
        SimContent c = SimContent.text(content);
        return put(new SimFile(checkPath(path), c.size(), true, c));
    }

    /**
     * Adds a regular file at a path the Hub should never list ({@code ..}, absolute, backslash, NUL, overlong, or a
     * file where another file has its folder, {@code a} beside {@code a/b}): no check at all, for tests of a hostile
     * Hub.
     */
    public SimCommit hostileTextFile(String path, String content) {
        SimContent c = SimContent.text(content);
        synchronized (lock) {
            files.put(path, new SimFile(path, c.size(), false, c));
        }
        return this;
    }

    /** Removes a file; fails when the commit has no such file. */
    public SimCommit remove(String path) {
        synchronized (lock) {
            if (files.remove(path) == null) {
                throw new IllegalArgumentException("commit " + sha + " of " + repo.id() + " has no file '" + path
                        + "' to remove");
            }
        }
        return this;
    }

    /** The file at {@code path}, or {@code null} when this commit has none. */
    public SimFile file(String path) {
        synchronized (lock) {
            return files.get(path);
        }
    }

    /** All files, sorted by path. */
    public List<SimFile> files() {
        synchronized (lock) {
            return List.copyOf(files.values());
        }
    }

    /** A snapshot of the files by path (sorted). */
    TreeMap<String, SimFile> snapshot() {
        synchronized (lock) {
            return new TreeMap<>(files);
        }
    }

    private SimCommit put(SimFile file) {
        synchronized (lock) {
            String prefix = file.path() + "/";
            List<String> conflicts = new ArrayList<>();
            for (String existing : files.keySet()) {
                if (existing.startsWith(prefix) || file.path().startsWith(existing + "/")) {
                    conflicts.add(existing);
                }
            }
            if (!conflicts.isEmpty()) {
                throw new IllegalArgumentException("file '" + file.path() + "' conflicts with " + conflicts
                        + " in commit " + sha + " of " + repo.id() + ": a path cannot be both a file and a folder");
            }
            files.put(file.path(), file);
        }
        return this;
    }

    private static String checkPath(String path) {
        if (path == null || path.isEmpty() || path.startsWith("/") || path.endsWith("/")) {
            throw new IllegalArgumentException("file path '" + path + "' is invalid: use a relative path like "
                    + "'dir/file.bin'");
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("file path '" + path + "' has an empty, '.' or '..' segment");
            }
        }
        return path;
    }

    @Override
    public String toString() {
        return "SimCommit[" + repo.id() + "@" + sha + "]";
    }
}
