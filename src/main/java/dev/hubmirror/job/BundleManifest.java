package dev.hubmirror.job;

import dev.hubmirror.hub.RepoRef;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The bill of materials of a bundle: every snapshot with its commit and store URL, every image and chart with its
 * digest in the target registry, and how each job ended. Written to the store as {@code bundles/<name>.json} once every
 * job of the bundle is final, and what {@code GET /v1/bundles/{name}} answers.
 *
 * @param bundle     its name
 * @param status     {@code RUNNING} while a job is not final, {@code SUCCEEDED} when all succeeded, else
 *                   {@code FAILED}
 * @param requestId  the request that named it
 * @param requester  who asked
 * @param createdAt  when the request was accepted
 * @param finishedAt when its last job became final (null while running)
 * @param items      one per job
 */
public record BundleManifest(String bundle, String status, String requestId, String requester, Instant createdAt,
        Instant finishedAt, List<Item> items) {

    /** Bundle names: what a store key and a URL path segment can hold as they are. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    /**
     * One job of the bundle.
     *
     * @param jobId       the job
     * @param kind        {@code model}, {@code dataset}, {@code space}, {@code image} or {@code chart}
     * @param subject     the repo id, or the image or chart reference
     * @param revision    the revision, tag, digest or version asked for
     * @param status      the job's status
     * @param commit      a snapshot's commit
     * @param snapshotUrl a snapshot's URL in the store
     * @param target      an image's or chart's reference in the target registry
     * @param digest      its manifest digest there
     * @param platforms   the platforms of an index copied
     * @param reason      why it failed
     * @param message     what went wrong
     * @param store       a snapshot's named target store; null for the default store
     * @param include     a snapshot's include patterns
     * @param exclude     a snapshot's exclude patterns
     */
    public record Item(String jobId, String kind, String subject, String revision, String status, String commit,
            String snapshotUrl, String target, String digest, List<String> platforms, String reason, String message,
            String store, List<String> include, List<String> exclude) {

        /** Copies the lists. */
        public Item {
            platforms = platforms == null ? List.of() : List.copyOf(platforms);
            include = include == null ? List.of() : List.copyOf(include);
            exclude = exclude == null ? List.of() : List.copyOf(exclude);
        }

        static Item of(JobSnapshot job) {
            JobOutcome outcome = job.outcome();
            ArtifactOutcome out = outcome.artifact();
            JobError error = outcome.error();
            String reason = error == null ? null : error.reason().name();
            String message = error == null ? null : error.message();
            if (job.work() instanceof ArtifactWork artifact) {
                ArtifactSpec spec = artifact.spec();
                return new Item(job.id(), artifact.kind(), spec.subject(), spec.reference(), job.status().name(), null,
                        null, out != null ? out.target() : spec.target(), out == null ? null : out.digest(),
                        out == null ? List.of() : out.platforms(), reason, message, job.target(), List.of(),
                        List.of());
            }
            SnapshotWork snapshot = (SnapshotWork) job.work();
            RepoRef ref = snapshot.ref();
            return new Item(job.id(), ref.type().singular(), ref.id().id(), ref.revision(), job.status().name(),
                    outcome.commit(), outcome.snapshotUrl(), null, null, List.of(), reason, message, job.target(),
                    snapshot.include(), snapshot.exclude());
        }
    }

    /** Copies the list. */
    public BundleManifest {
        items = List.copyOf(items);
    }

    /** Whether {@code name} is a valid bundle name (letters, digits, {@code .}, {@code _}, {@code -}; 128 at most). */
    public static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** The store key of bundle {@code name}'s manifest. */
    public static String key(String name) {
        return "bundles/" + name + ".json";
    }

    /** The manifest of {@code jobs} (one request's jobs of bundle {@code name}), as they are now. */
    public static BundleManifest of(String name, List<JobSnapshot> jobs) {
        boolean done = jobs.stream().allMatch(j -> j.status().finished())
                && jobs.size() >= jobs.stream().mapToInt(j -> j.origin().bundleSize()).max().orElse(0);
        boolean succeeded = jobs.stream().allMatch(j -> j.status() == JobStatus.SUCCEEDED);
        Instant finished = done ? jobs.stream().map(j -> j.times().finishedAt()).filter(t -> t != null)
                .max(Instant::compareTo).orElse(null) : null;
        JobSnapshot first = jobs.get(0);
        return new BundleManifest(name, !done ? "RUNNING" : succeeded ? "SUCCEEDED" : "FAILED",
                first.origin().requestId(), first.origin().requester(), first.times().createdAt(), finished,
                jobs.stream().map(Item::of).toList());
    }

    /** Whether every job is final. */
    public boolean done() {
        return !status.equals("RUNNING");
    }

    /** The manifest as the JSON document written to the store. */
    public byte[] toJson() {
        JsonArray snapshots = new JsonArray();
        JsonArray images = new JsonArray();
        JsonArray charts = new JsonArray();
        for (Item item : items) {
            JsonObject o = new JsonObject().put("jobId", item.jobId()).put("status", item.status());
            switch (item.kind()) {
                case "image", "chart" -> {
                    o.put("source", item.subject()).put("reference", item.revision()).put("target", item.target())
                            .put("digest", item.digest());
                    if (!item.platforms().isEmpty()) {
                        o.put("platforms", new JsonArray(new ArrayList<>(item.platforms())));
                    }
                    (item.kind().equals("image") ? images : charts).add(o);
                }
                default -> {
                    snapshots.add(o.put("repo", item.subject()).put("type", item.kind())
                            .put("revision", item.revision()).put("commit", item.commit())
                            .put("snapshotUrl", item.snapshotUrl()));
                    if (item.store() != null) {
                        o.put("store", item.store());
                    }
                    if (!item.include().isEmpty()) {
                        o.put("include", new JsonArray(new ArrayList<>(item.include())));
                    }
                    if (!item.exclude().isEmpty()) {
                        o.put("exclude", new JsonArray(new ArrayList<>(item.exclude())));
                    }
                }
            }
            if (item.reason() != null) {
                o.put("reason", item.reason()).put("message", item.message());
            }
        }
        JsonObject json = new JsonObject().put("bundle", bundle).put("status", status).put("requestId", requestId)
                .put("requester", requester).put("createdAt", createdAt == null ? null : createdAt.toString())
                .put("finishedAt", finishedAt == null ? null : finishedAt.toString()).put("snapshots", snapshots)
                .put("images", images).put("charts", charts);
        return json.encodePrettily().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads a manifest written by {@link #toJson()}.
     *
     * @throws IllegalArgumentException when it is not one
     */
    public static BundleManifest parse(byte[] bytes) {
        JsonObject json;
        try {
            json = new JsonObject(Buffer.buffer(bytes));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a bundle manifest: " + e.getMessage(), e);
        }
        List<Item> items = new ArrayList<>();
        for (String group : List.of("snapshots", "images", "charts")) {
            JsonArray array = json.getJsonArray(group, new JsonArray());
            for (int i = 0; i < array.size(); i++) {
                JsonObject o = array.getJsonObject(i);
                boolean snapshot = group.equals("snapshots");
                List<String> platforms = strings(o, "platforms");
                items.add(new Item(o.getString("jobId"), snapshot ? o.getString("type")
                        : group.substring(0, group.length() - 1), snapshot ? o.getString("repo") : o.getString("source"),
                        snapshot ? o.getString("revision") : o.getString("reference"), o.getString("status"),
                        o.getString("commit"), o.getString("snapshotUrl"), o.getString("target"), o.getString("digest"),
                        platforms, o.getString("reason"), o.getString("message"), o.getString("store"),
                        strings(o, "include"), strings(o, "exclude")));
            }
        }
        String created = json.getString("createdAt");
        String finished = json.getString("finishedAt");
        return new BundleManifest(json.getString("bundle"), json.getString("status"), json.getString("requestId"),
                json.getString("requester"), created == null ? null : Instant.parse(created),
                finished == null ? null : Instant.parse(finished), items);
    }

    private static List<String> strings(JsonObject o, String field) {
        List<String> values = new ArrayList<>();
        o.getJsonArray(field, new JsonArray()).forEach(v -> values.add(String.valueOf(v)));
        return values;
    }
}
