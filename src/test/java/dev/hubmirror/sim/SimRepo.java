package dev.hubmirror.sim;

import dev.hubmirror.hub.RepoType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A simulated Hub repository: its commits, branches, tags and pull requests, and who may read it. Branch
 * {@code main} points at the latest commit unless it was set with {@link #branch}. Thread-safe.
 */
public final class SimRepo {

    private final Object lock;
    private final RepoType type;
    private final String id;
    private final List<SimCommit> commits = new ArrayList<>();
    private final Map<String, SimCommit> branches = new HashMap<>();
    private final Map<String, SimCommit> tags = new HashMap<>();
    private final Map<Integer, SimCommit> pullRequests = new HashMap<>();
    private final Set<String> grants = new HashSet<>();
    private boolean gated;
    private boolean privateRepo;

    SimRepo(Object lock, RepoType type, String id) {
        this.lock = lock;
        this.type = type;
        this.id = id;
    }

    /** The repo id, {@code org/name} or {@code name}. */
    public String id() {
        return id;
    }

    /** Model, dataset or space. */
    public RepoType type() {
        return type;
    }

    /** Starts a new commit holding the files of the previous one (none for the first commit). */
    public SimCommit commit() {
        synchronized (lock) {
            SimCommit previous = commits.isEmpty() ? null : commits.get(commits.size() - 1);
            SimCommit c = new SimCommit(lock, this, commits.size(),
                    previous == null ? Map.of() : previous.snapshot());
            commits.add(c);
            return c;
        }
    }

    /** All commits, oldest first. */
    public List<SimCommit> commits() {
        synchronized (lock) {
            return List.copyOf(commits);
        }
    }

    /** Points branch {@code name} at {@code c}; setting {@code main} stops it from following the latest commit. */
    public SimRepo branch(String name, SimCommit c) {
        synchronized (lock) {
            branches.put(name, own(c));
        }
        return this;
    }

    /** Points tag {@code name} at {@code c}. */
    public SimRepo tag(String name, SimCommit c) {
        synchronized (lock) {
            tags.put(name, own(c));
        }
        return this;
    }

    /** Makes revision {@code refs/pr/n} point at {@code c}. */
    public SimRepo pullRequest(int n, SimCommit c) {
        synchronized (lock) {
            pullRequests.put(n, own(c));
        }
        return this;
    }

    /** Gated: file downloads need a token whose user was {@link #grant granted}; metadata stays readable. */
    public SimRepo gated(boolean gated) {
        synchronized (lock) {
            this.gated = gated;
        }
        return this;
    }

    /** Grants {@code user} access to this gated or private repo. */
    public SimRepo grant(String user) {
        synchronized (lock) {
            grants.add(user);
        }
        return this;
    }

    /** Private: every request answers RepoNotFound unless the token's user was {@link #grant granted}. */
    public SimRepo privateRepo(boolean p) {
        synchronized (lock) {
            this.privateRepo = p;
        }
        return this;
    }

    boolean isGated() {
        synchronized (lock) {
            return gated;
        }
    }

    boolean isPrivate() {
        synchronized (lock) {
            return privateRepo;
        }
    }

    boolean granted(String user) {
        synchronized (lock) {
            return user != null && grants.contains(user);
        }
    }

    /**
     * The commit a revision names: a branch, a tag, a full 40-hex commit sha, {@code refs/pr/N},
     * {@code refs/heads/X} or {@code refs/tags/X}; {@code null} when it names none.
     */
    SimCommit resolve(String revision) {
        synchronized (lock) {
            if (revision.matches("[0-9a-fA-F]{40}")) {
                String sha = revision.toLowerCase(Locale.ROOT);
                return commits.stream().filter(c -> c.sha().equals(sha)).findFirst().orElse(null);
            }
            if (revision.startsWith("refs/pr/")) {
                try {
                    return pullRequests.get(Integer.parseInt(revision.substring("refs/pr/".length())));
                } catch (NumberFormatException e) {
                    return null;
                }
            }
            if (revision.startsWith("refs/heads/")) {
                return branch(revision.substring("refs/heads/".length()));
            }
            if (revision.startsWith("refs/tags/")) {
                return tags.get(revision.substring("refs/tags/".length()));
            }
            SimCommit b = branch(revision);
            return b != null ? b : tags.get(revision);
        }
    }

    private SimCommit branch(String name) {
        SimCommit b = branches.get(name);
        if (b == null && name.equals("main") && !commits.isEmpty()) {
            return commits.get(commits.size() - 1);
        }
        return b;
    }

    private SimCommit own(SimCommit c) {
        if (c == null || c.repo() != this) {
            throw new IllegalArgumentException("commit " + c + " does not belong to repo " + id);
        }
        return c;
    }

    @Override
    public String toString() {
        return "SimRepo[" + type.singular() + ":" + id + "]";
    }
}
