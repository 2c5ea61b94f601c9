package dev.hubmirror.sim;

import dev.hubmirror.hub.RepoType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Reads the JSON scenario of a simulator ({@code --spec}) and the JSON faults of the control endpoint. Formats are
 * documented in docs/hub-simulator.md; unknown keys are rejected so that typos do not pass silently.
 */
final class SimSpec {

    private SimSpec() {
    }

    static void load(HubSimulator sim, Path file) throws IOException {
        JsonObject spec;
        try {
            spec = new JsonObject(Files.readString(file));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("spec " + file + " is not a JSON object: " + e.getMessage(), e);
        }
        apply(sim, spec, file.toString());
    }

    static void apply(HubSimulator sim, JsonObject spec, String source) {
        allow(spec, source, "treePageSize", "signedUrlTtlSeconds", "network", "tokens", "repos", "faults");
        if (spec.containsKey("treePageSize")) {
            sim.treePageSize(spec.getInteger("treePageSize"));
        }
        if (spec.containsKey("signedUrlTtlSeconds")) {
            sim.signedUrlTtl(Duration.ofSeconds(spec.getLong("signedUrlTtlSeconds")));
        }
        if (spec.containsKey("network")) {
            network(sim, spec.getJsonObject("network"), source);
        }
        JsonObject tokens = spec.getJsonObject("tokens", new JsonObject());
        for (Map.Entry<String, Object> t : tokens) {
            sim.addToken(t.getKey(), String.valueOf(t.getValue()));
        }
        for (Object r : spec.getJsonArray("repos", new JsonArray())) {
            repo(sim, (JsonObject) r, source);
        }
        if (spec.containsKey("faults")) {
            faults(sim.faults(), spec.getValue("faults"));
        }
    }

    /** {@code "network": {"linkRate": "60MiB", "latency": "40ms"}}: numbers are bytes per second and milliseconds. */
    private static void network(HubSimulator sim, JsonObject n, String source) {
        allow(n, source + " network", "linkRate", "latency");
        Object rate = n.getValue("linkRate", 0);
        Object latency = n.getValue("latency", 0);
        sim.network(rate instanceof Number r ? r.longValue() : SimNetwork.parseRate(String.valueOf(rate)),
                latency instanceof Number l ? Duration.ofMillis(l.longValue())
                        : SimNetwork.parseLatency(String.valueOf(latency)));
    }

    private static void repo(HubSimulator sim, JsonObject r, String source) {
        String where = source + " repo " + r.getString("id");
        allow(r, where, "type", "id", "gated", "private", "grants", "commits", "branches", "tags", "pullRequests");
        SimRepo repo = sim.repo(RepoType.parse(r.getString("type", "model")), required(r, "id", where));
        repo.gated(r.getBoolean("gated", false)).privateRepo(r.getBoolean("private", false));
        for (Object g : r.getJsonArray("grants", new JsonArray())) {
            repo.grant(String.valueOf(g));
        }
        JsonArray commits = r.getJsonArray("commits", new JsonArray());
        for (int i = 0; i < commits.size(); i++) {
            JsonObject c = commits.getJsonObject(i);
            allow(c, where + " commit " + i, "files", "remove");
            SimCommit commit = repo.commit();
            for (Object f : c.getJsonArray("files", new JsonArray())) {
                file(commit, (JsonObject) f, where + " commit " + i);
            }
            for (Object p : c.getJsonArray("remove", new JsonArray())) {
                commit.remove(String.valueOf(p));
            }
        }
        List<SimCommit> all = repo.commits();
        refs(r.getJsonObject("branches", new JsonObject()), all, where, repo::branch);
        refs(r.getJsonObject("tags", new JsonObject()), all, where, repo::tag);
        refs(r.getJsonObject("pullRequests", new JsonObject()), all, where,
                (name, c) -> repo.pullRequest(Integer.parseInt(name), c));
    }

    private static void file(SimCommit commit, JsonObject f, String where) {
        String path = required(f, "path", where);
        allow(f, where + " file " + path, "path", "size", "lfs", "seed", "text", "sha256");
        boolean lfs = f.getBoolean("lfs", false);
        if (f.containsKey("text")) {
            if (lfs) {
                commit.lfsTextFile(path, f.getString("text"));
            } else {
                commit.textFile(path, f.getString("text"));
            }
            return;
        }
        Long size = f.getLong("size");
        if (size == null) {
            throw new IllegalArgumentException(where + " file " + path + " needs 'size' (with 'seed') or 'text'");
        }
        long seed = f.getLong("seed", (long) path.hashCode());
        if (f.containsKey("sha256")) {
            commit.lfsFile(path, size, seed, f.getString("sha256"));
        } else if (lfs) {
            commit.lfsFile(path, size, seed);
        } else {
            commit.regularFile(path, size, seed);
        }
    }

    private interface RefSetter {
        void set(String name, SimCommit commit);
    }

    private static void refs(JsonObject refs, List<SimCommit> commits, String where, RefSetter setter) {
        for (Map.Entry<String, Object> e : refs) {
            int index = ((Number) e.getValue()).intValue();
            if (index < 0 || index >= commits.size()) {
                throw new IllegalArgumentException(where + " ref '" + e.getKey() + "' points at commit " + index
                        + " but the repo has " + commits.size() + " commits (indexes from 0)");
            }
            setter.set(e.getKey(), commits.get(index));
        }
    }

    /** Adds the faults of a JSON object or array of objects, each {@code {"kind": ..., ...}}. */
    static void faults(Faults faults, Object json) {
        if (json instanceof JsonArray a) {
            for (Object o : a) {
                faults(faults, o);
            }
            return;
        }
        if (!(json instanceof JsonObject f)) {
            throw new IllegalArgumentException("a fault must be a JSON object with a 'kind', was " + json);
        }
        String kind = required(f, "kind", "fault");
        String path = f.getString("path");
        int times = f.getInteger("times", 1);
        switch (kind) {
            case "cutAfter" -> {
                allow(f, "fault " + kind, "kind", "path", "bytes", "times");
                faults.cutAfter(path, requiredLong(f, "bytes", kind), times);
            }
            case "status" -> {
                allow(f, "fault " + kind, "kind", "path", "status", "times");
                faults.status(path, (int) requiredLong(f, "status", kind), times);
            }
            case "tooManyRequests" -> {
                allow(f, "fault " + kind, "kind", "path", "times", "retryAfterSeconds");
                faults.tooManyRequests(path, times, f.getInteger("retryAfterSeconds", 1));
            }
            case "corruptByte" -> {
                allow(f, "fault " + kind, "kind", "path", "offset");
                faults.corruptByte(path, requiredLong(f, "offset", kind));
            }
            case "wrongSize" -> {
                allow(f, "fault " + kind, "kind", "path", "delta");
                faults.wrongSize(path, requiredLong(f, "delta", kind));
            }
            case "expireSignedUrls" -> {
                allow(f, "fault " + kind, "kind", "path", "times");
                faults.expireSignedUrls(path, times);
            }
            default -> throw new IllegalArgumentException("unknown fault kind '" + kind + "': use cutAfter, status, "
                    + "tooManyRequests, corruptByte, wrongSize or expireSignedUrls");
        }
    }

    private static String required(JsonObject o, String key, String where) {
        String v = o.getString(key);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException(where + " needs '" + key + "'");
        }
        return v;
    }

    private static long requiredLong(JsonObject o, String key, String where) {
        Long v = o.getLong(key);
        if (v == null) {
            throw new IllegalArgumentException("fault " + where + " needs a number '" + key + "'");
        }
        return v;
    }

    private static void allow(JsonObject o, String where, String... keys) {
        List<String> allowed = List.of(keys);
        for (String k : o.fieldNames()) {
            if (!allowed.contains(k)) {
                throw new IllegalArgumentException(where + " has unknown key '" + k + "': allowed " + allowed);
            }
        }
    }
}
