package dev.hubmirror.sim;

import dev.hubmirror.hub.RepoType;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The Hub listener: {@code api/{type}s/{id}[/revision/{rev}]}, {@code api/{type}s/{id}/tree/{rev}[/{path}]},
 * {@code [datasets/|spaces/]{id}/resolve/{rev}/{path}}, {@code api/resolve-cache/...}, {@code api/whoami-v2}
 * ({@link WhoamiEndpoint}) and the control endpoint {@code /_sim/faults}. Runs on one event loop; never blocks it
 * (digests are computed on a worker).
 */
final class HubListener implements Handler<HttpServerRequest> {

    private static final Logger LOGGER = Logger.getLogger(HubListener.class);
    private static final Pattern HEX40 = Pattern.compile("[0-9a-fA-F]{40}");
    private static final Set<String> API_KEYWORDS = Set.of("revision", "tree");
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private final HubSimulator sim;

    HubListener(HubSimulator sim) {
        this.sim = sim;
    }

    /** Who is asking for which repo, once access was checked. */
    private record Access(SimRepo repo, String user) {
    }

    /** A repo id and the URL segments after its keyword ({@code revision}, {@code tree}, {@code resolve}). */
    private record Split(String id, String keyword, List<String> after) {
    }

    /** A malformed request URL. */
    private static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }

    @Override
    public void handle(HttpServerRequest request) {
        if (request.uri().startsWith("/_sim/")) {
            SimControl.handle(sim, request);
            return;
        }
        Exchange ex = sim.begin("hub", request);
        ex.afterLatency(() -> answer(ex));
    }

    private void answer(Exchange ex) {
        try {
            route(ex);
        } catch (BadRequest | IllegalArgumentException e) {
            ex.hubError(400, null, "Bad request: " + e.getMessage());
        } catch (RuntimeException e) {
            LOGGER.errorf(e, "hub simulator failed path=%s", ex.rawPath);
            ex.hubError(500, null, "Internal Error - simulator failure: " + e);
        }
    }

    private void route(Exchange ex) {
        List<String> segs = segments(ex.rawPath);
        if (segs.isEmpty()) {
            notFound(ex);
            return;
        }
        if (segs.get(0).equals("api")) {
            if (segs.size() == 2 && segs.get(1).equals(WhoamiEndpoint.PATH)) {
                WhoamiEndpoint.answer(sim, ex);
                return;
            }
            if (segs.size() >= 2 && segs.get(1).equals("resolve-cache")) {
                resolveCache(ex, segs.subList(2, segs.size()));
                return;
            }
            RepoType type = segs.size() >= 3 ? typeOf(segs.get(1)) : null;
            if (type == null) {
                notFound(ex);
                return;
            }
            api(ex, type, segs.subList(2, segs.size()));
            return;
        }
        RepoType type = RepoType.MODEL;
        List<String> rest = segs;
        if (segs.get(0).equals("datasets") || segs.get(0).equals("spaces")) {
            type = typeOf(segs.get(0));
            rest = segs.subList(1, segs.size());
        }
        Split s = split(type, rest, Set.of("resolve"), 2);
        if (s == null) {
            notFound(ex);
            return;
        }
        resolve(ex, type, s);
    }

    // ---- api/{type}s/{id}[/revision/{rev}] and api/{type}s/{id}/tree/{rev}[/{path}]

    private void api(Exchange ex, RepoType type, List<String> rest) {
        if (!ex.isGetOrHead()) {
            ex.hubError(405, null, "Method " + ex.request.method() + " not allowed");
            return;
        }
        Split s = split(type, rest, API_KEYWORDS, 1);
        if (s == null) {
            if (rest.size() <= 2) {
                info(ex, type, repoId(rest), "main");
            } else {
                notFound(ex);
            }
            return;
        }
        if (s.keyword().equals("revision")) {
            info(ex, type, s.id(), joinDecoded(s.after()));
        } else {
            tree(ex, type, s.id(), decode(s.after().get(0)), joinDecoded(s.after().subList(1, s.after().size())));
        }
    }

    private void info(Exchange ex, RepoType type, String id, String revision) {
        Access a = access(ex, type, id, false, null);
        if (a == null) {
            return;
        }
        SimCommit commit = a.repo().resolve(revision);
        if (commit == null) {
            revisionNotFound(ex, revision);
            return;
        }
        SortedMap<String, SimFile> files = commit.snapshot();
        boolean blobs = ex.flag("blobs");
        Runnable respond = () -> {
            JsonArray siblings = new JsonArray();
            long used = 0;
            for (SimFile f : files.values()) {
                JsonObject s = new JsonObject().put("rfilename", f.path());
                if (blobs) {
                    s.put("size", f.size()).put("blobId", f.gitSha1());
                    if (f.lfs()) {
                        s.put("lfs", new JsonObject().put("sha256", f.sha256()).put("size", f.size())
                                .put("pointerSize", f.pointerSize()));
                    }
                }
                siblings.add(s);
                used += f.size();
            }
            SimRepo repo = a.repo();
            JsonObject o = new JsonObject()
                    .put("_id", SimContent.sha1Hex("id:" + type.plural() + "/" + id).substring(0, 24))
                    .put("id", id);
            if (type == RepoType.MODEL) {
                o.put("modelId", id);
            }
            if (id.contains("/")) {
                o.put("author", id.substring(0, id.indexOf('/')));
            }
            o.put("sha", commit.sha())
                    .put("lastModified", ISO.format(commit.date()))
                    .put("createdAt", ISO.format(repo.commits().get(0).date()))
                    .put("private", repo.isPrivate())
                    .put("gated", repo.isGated() ? (Object) "manual" : (Object) Boolean.FALSE)
                    .put("disabled", false)
                    .put("downloads", 0)
                    .put("likes", 0)
                    .put("tags", new JsonArray())
                    .put("siblings", siblings)
                    .put("usedStorage", used);
            ex.json(200, o);
        };
        if (blobs) {
            sim.withDigests(ex, files.values(), respond);
        } else {
            respond.run();
        }
    }

    private void tree(Exchange ex, RepoType type, String id, String revision, String path) {
        Access a = access(ex, type, id, false, null);
        if (a == null) {
            return;
        }
        SimCommit commit = a.repo().resolve(revision);
        if (commit == null) {
            revisionNotFound(ex, revision);
            return;
        }
        String base = trimSlashes(path);
        SortedMap<String, SimFile> files = commit.snapshot();
        List<TreeListing.Entry> entries = TreeListing.entries(files, base, ex.flag("recursive"));
        if (entries == null) {
            ex.hubError(404, "EntryNotFound", base + " does not exist on \"" + revision + "\"");
            return;
        }
        int offset = decodeCursor(ex.query.get("cursor"));
        int pageSize = sim.treePageSizeValue();
        List<TreeListing.Entry> page = entries.subList(Math.min(offset, entries.size()),
                (int) Math.min((long) offset + pageSize, entries.size()));
        if ((long) offset + pageSize < entries.size()) {
            ex.response.putHeader("Link", "<" + sim.hubUrl() + ex.rawPath + "?" + queryWithout(ex.rawQuery, "cursor")
                    + "cursor=" + encodeCursor(offset + pageSize) + ">; rel=\"next\"");
        }
        boolean expand = ex.flag("expand");
        List<SimFile> pageFiles = new ArrayList<>();
        for (TreeListing.Entry e : page) {
            if (!e.isDirectory()) {
                pageFiles.add(e.file());
            }
        }
        sim.withDigests(ex, pageFiles, () -> {
            JsonArray out = new JsonArray();
            for (TreeListing.Entry e : page) {
                JsonObject o;
                if (e.isDirectory()) {
                    o = new JsonObject().put("type", "directory")
                            .put("oid", SimContent.sha1Hex("tree " + commit.sha() + ":" + e.path()))
                            .put("size", 0).put("path", e.path());
                } else {
                    SimFile f = e.file();
                    o = new JsonObject().put("type", "file").put("oid", f.gitSha1()).put("size", f.size())
                            .put("path", f.path());
                    if (f.lfs()) {
                        o.put("lfs", new JsonObject().put("oid", f.sha256()).put("size", f.size())
                                .put("pointerSize", f.pointerSize()));
                    }
                }
                if (expand) {
                    o.put("lastCommit", new JsonObject().put("id", commit.sha()).put("title", commit.title())
                            .put("date", ISO.format(commit.date())));
                }
                out.add(o);
            }
            ex.json(200, out);
        });
    }

    // ---- {id}/resolve/{rev}/{path}

    private void resolve(Exchange ex, RepoType type, Split s) {
        String revision = decode(s.after().get(0));
        String path = joinDecoded(s.after().subList(1, s.after().size()));
        if (!ex.isGetOrHead()) {
            ex.hubError(405, null, "Method " + ex.request.method() + " not allowed");
            return;
        }
        Access a = access(ex, type, s.id(), true, path);
        if (a == null) {
            return;
        }
        SimCommit commit = a.repo().resolve(revision);
        if (commit == null) {
            revisionNotFound(ex, revision);
            return;
        }
        SimFile file = commit.file(path);
        if (file == null) {
            entryNotFound(ex, commit);
            return;
        }
        sim.withDigests(ex, List.of(file), () -> {
            ex.response.putHeader("X-Repo-Commit", commit.sha());
            ex.response.putHeader("Accept-Ranges", "bytes");
            if (file.lfs()) {
                boolean singleUse = sim.faults().takeExpiringUrl(file.path());
                String location = sim.signedUrls.issue(sim.cdnUrl(), a.repo(), file, sim.signedUrlTtlValue(),
                        singleUse);
                ex.response.putHeader("Location", location);
                ex.response.putHeader("X-Linked-Etag", "\"" + file.sha256() + "\"");
                ex.response.putHeader("X-Linked-Size", String.valueOf(file.size()));
                ex.text(302, "text/plain; charset=utf-8", "Found. Redirecting to " + location);
            } else {
                String etag = "\"" + file.gitSha1() + "\"";
                String location = "/api/resolve-cache/" + type.plural() + "/" + s.id() + "/" + commit.sha() + "/"
                        + PercentCodec.encodePath(file.path()) + "?" + PercentCodec.encodeAll(ex.rawPath)
                        + "=&etag=" + PercentCodec.encodeAll(etag);
                ex.response.putHeader("Location", location);
                ex.response.putHeader("X-Linked-Etag", etag);
                ex.text(307, "text/plain; charset=utf-8", "Temporary Redirect. Redirecting to " + location);
            }
        });
    }

    // ---- api/resolve-cache/{type}s/{id}/{commit}/{path}

    private void resolveCache(Exchange ex, List<String> segs) {
        RepoType type = segs.isEmpty() ? null : typeOf(segs.get(0));
        List<String> rest = segs.isEmpty() ? List.of() : segs.subList(1, segs.size());
        int shaAt = -1;
        boolean two = rest.size() >= 4 && HEX40.matcher(rest.get(2)).matches();
        boolean one = rest.size() >= 3 && HEX40.matcher(rest.get(1)).matches();
        if (type != null && two && (!one || sim.findRepo(type, repoId(rest.subList(0, 2))) != null)) {
            shaAt = 2;
        } else if (type != null && one) {
            shaAt = 1;
        }
        if (shaAt < 0) {
            notFound(ex);
            return;
        }
        if (!ex.isGetOrHead()) {
            ex.hubError(405, null, "Method " + ex.request.method() + " not allowed");
            return;
        }
        String id = repoId(rest.subList(0, shaAt));
        String sha = rest.get(shaAt);
        String path = joinDecoded(rest.subList(shaAt + 1, rest.size()));
        Access a = access(ex, type, id, true, path);
        if (a == null) {
            return;
        }
        SimCommit commit = a.repo().resolve(sha);
        if (commit == null) {
            revisionNotFound(ex, sha);
            return;
        }
        SimFile file = commit.file(path);
        if (file == null) {
            entryNotFound(ex, commit);
            return;
        }
        sim.withDigests(ex, List.of(file), () -> {
            ex.response.putHeader("ETag", "\"" + file.etag() + "\"");
            ex.response.putHeader("X-Repo-Commit", commit.sha());
            ex.response.putHeader("Content-Type", file.source().isGenerated() ? "application/octet-stream"
                    : "text/plain; charset=utf-8");
            String name = file.path().substring(file.path().lastIndexOf('/') + 1);
            ex.response.putHeader("Content-Disposition", "inline; filename*=UTF-8''" + PercentCodec.encodeAll(name)
                    + "; filename=\"" + Exchange.headerSafe(name).replace('"', '_') + "\";");
            ContentWriter.serve(ex, file, sim.faults(), false);
        });
    }

    // ---- access and errors

    /**
     * Applies status faults, checks the token, the repo's existence and visibility, and (for content) its gate.
     * Answers and returns null when the request must stop here.
     */
    private Access access(Exchange ex, RepoType type, String id, boolean content, String faultPath) {
        Faults.StatusFault fault = sim.faults().takeStatus(faultPath, true);
        if (fault != null) {
            answerFault(ex, fault);
            return null;
        }
        String user = null;
        String auth = ex.request.getHeader("Authorization");
        if (auth != null) {
            String token = auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
            user = token == null ? null : sim.userOf(token);
            if (user == null) {
                ex.hubError(401, null, "Invalid credentials in Authorization header");
                return null;
            }
        }
        SimRepo repo = id == null ? null : sim.findRepo(type, id);
        if (repo == null || (repo.isPrivate() && !repo.granted(user))) {
            ex.hubError(user == null ? 401 : 404, "RepoNotFound", "Repository not found");
            return null;
        }
        if (content && repo.isGated() && !repo.granted(user)) {
            if (user == null) {
                ex.hubError(401, "GatedRepo", "Access to " + type.singular() + " " + id + " is restricted. You must "
                        + "have access to it and be authenticated to access it. Please log in.");
            } else {
                ex.hubError(403, "GatedRepo", "Access to " + type.singular() + " " + id + " is restricted and you "
                        + "are not in the authorized list. Visit " + sim.hubUrl() + "/" + type.urlPrefix() + id
                        + " to ask for access.");
            }
            return null;
        }
        return new Access(repo, user);
    }

    private void answerFault(Exchange ex, Faults.StatusFault fault) {
        if (fault.status() == 429) {
            int t = fault.retryAfterSeconds();
            ex.response.putHeader("Retry-After", String.valueOf(t));
            ex.response.putHeader("RateLimit", "\"resolvers\";r=0;t=" + t);
            ex.response.putHeader("RateLimit-Policy", "\"fixed window\";\"resolvers\";q=3000;w=300");
            ex.hubError(429, null, "Too Many Requests: you have reached your 'resolvers' rate limit. Retry after "
                    + t + " seconds.");
        } else if (fault.status() >= 500) {
            ex.hubError(fault.status(), null, "Internal Error - We're working hard to fix this as soon as possible!");
        } else {
            ex.hubError(fault.status(), null, "Simulated error " + fault.status());
        }
    }

    private static void revisionNotFound(Exchange ex, String revision) {
        ex.hubError(404, "RevisionNotFound", "Invalid rev id: " + revision);
    }

    private static void entryNotFound(Exchange ex, SimCommit commit) {
        ex.response.putHeader("X-Repo-Commit", commit.sha());
        ex.response.putHeader("X-Error-Code", "EntryNotFound");
        ex.response.putHeader("X-Error-Message", "Entry not found");
        ex.text(404, "text/plain; charset=utf-8", "Entry not found");
    }

    private static void notFound(Exchange ex) {
        ex.hubError(404, null, "Sorry, we can't find the page you are looking for.");
    }

    // ---- URL parsing

    /** Finds the repo id (one or two segments) before a keyword followed by at least {@code minAfter} segments. */
    private Split split(RepoType type, List<String> rest, Set<String> keywords, int minAfter) {
        boolean two = rest.size() >= 3 + minAfter && keywords.contains(rest.get(2));
        boolean one = rest.size() >= 2 + minAfter && keywords.contains(rest.get(1));
        if (two && (!one || sim.findRepo(type, repoId(rest.subList(0, 2))) != null)) {
            return new Split(repoId(rest.subList(0, 2)), rest.get(2), rest.subList(3, rest.size()));
        }
        if (one) {
            return new Split(repoId(rest.subList(0, 1)), rest.get(1), rest.subList(2, rest.size()));
        }
        return null;
    }

    /** The repo id from raw segments; null (answered as RepoNotFound) when a segment hides a {@code /}. */
    private static String repoId(List<String> rawSegments) {
        List<String> parts = new ArrayList<>();
        for (String raw : rawSegments) {
            String part = decode(raw);
            if (part.contains("/") || part.isEmpty()) {
                return null;
            }
            parts.add(part);
        }
        return String.join("/", parts);
    }

    private static RepoType typeOf(String plural) {
        return switch (plural) {
            case "models" -> RepoType.MODEL;
            case "datasets" -> RepoType.DATASET;
            case "spaces" -> RepoType.SPACE;
            default -> null;
        };
    }

    private static List<String> segments(String rawPath) {
        List<String> segs = new ArrayList<>();
        for (String s : rawPath.split("/", -1)) {
            if (!s.isEmpty()) {
                segs.add(s);
            }
        }
        return segs;
    }

    private static String decode(String raw) {
        try {
            return PercentCodec.decode(raw);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(e.getMessage());
        }
    }

    private static String joinDecoded(List<String> rawSegments) {
        List<String> parts = new ArrayList<>(rawSegments.size());
        for (String raw : rawSegments) {
            parts.add(decode(raw));
        }
        return String.join("/", parts);
    }

    private static String trimSlashes(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && s.charAt(a) == '/') {
            a++;
        }
        while (b > a && s.charAt(b - 1) == '/') {
            b--;
        }
        return s.substring(a, b);
    }

    private static String queryWithout(String rawQuery, String name) {
        StringBuilder sb = new StringBuilder();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty() || pair.equals(name) || pair.startsWith(name + "=")) {
                continue;
            }
            sb.append(pair).append('&');
        }
        return sb.toString();
    }

    private static String encodeCursor(int offset) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(("{\"offset\":" + offset + "}").getBytes(StandardCharsets.UTF_8));
    }

    private static int decodeCursor(String cursor) {
        if (cursor == null || cursor.isEmpty()) {
            return 0;
        }
        try {
            String json = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            int offset = new JsonObject(json).getInteger("offset");
            if (offset < 0) {
                throw new BadRequest("invalid cursor");
            }
            return offset;
        } catch (RuntimeException e) {
            throw new BadRequest("invalid cursor '" + cursor + "'");
        }
    }
}
