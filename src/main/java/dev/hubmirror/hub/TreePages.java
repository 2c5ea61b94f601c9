package dev.hubmirror.hub;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The paginated tree listing of a repo at a commit: {@code GET /api/{type}s/{id}/tree/{commit}?recursive=true}, then
 * each page its {@code Link: <...>; rel="next"} names, each page retried on its own. Folders are skipped; every entry
 * is checked (a path, a 40-hex blob id, sizes that are whole non-negative numbers, a well-formed LFS pointer), a path
 * listed twice, a next link to another origin or back to a page already read, and an empty page that links on are
 * refused with {@code HUB_PROTOCOL}; at most {@code mirror.hub.max-files} files (and as many folders).
 */
final class TreePages {

    private static final Pattern SHA1 = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final HubExchange exchange;
    private final HubRetries retries;
    private final HubFailures failures;
    private final HubEndpoint endpoint;
    private final int pageSize;
    private final int maxFiles;

    TreePages(HubExchange exchange, HubRetries retries, int pageSize, int maxFiles) {
        this.exchange = exchange;
        this.retries = retries;
        this.failures = exchange.failures();
        this.endpoint = exchange.endpoint();
        this.pageSize = pageSize;
        this.maxFiles = maxFiles;
    }

    /** Every file of the tree at {@code commit} (a 40-hex sha, checked by the caller). */
    Uni<List<HubFile>> list(RepoRef ref, String commit) {
        HubCall call = HubCall.tree(ref, commit);
        return Uni.createFrom().deferred(() -> {
            Listing listing = new Listing(call, endpoint.treeUrl(ref, commit, pageSize));
            return Multi.createBy().repeating()
                    .uni(() -> listing, l -> retries.run(call, failures, () -> exchange.json(call, l.next)).map(l::add))
                    .until(more -> !more)
                    .collect().last()
                    .map(ignored -> List.copyOf(listing.files));
        });
    }

    /** The state of one listing: what was read, where to read next. */
    private final class Listing {
        private final HubCall call;
        private final List<HubFile> files = new ArrayList<>();
        private final Set<String> paths = new HashSet<>();
        private final Set<URI> visited = new HashSet<>();
        private long folders;
        private URI next;

        Listing(HubCall call, URI first) {
            this.call = call;
            this.next = first;
        }

        /** Adds one page; whether another one follows. */
        boolean add(HubExchange.Landed<byte[]> page) {
            visited.add(page.url());
            JsonArray entries;
            try {
                entries = new JsonArray(Buffer.buffer(page.body()));
            } catch (DecodeException | ClassCastException e) {
                throw failures.protocol(call, "the Hub's tree page is not a JSON array");
            }
            for (int i = 0; i < entries.size(); i++) {
                if (!(entries.getValue(i) instanceof JsonObject entry)) {
                    throw failures.protocol(call, "tree entry " + i + " is not a JSON object");
                }
                String type = entry.getValue("type") instanceof String t ? t : "";
                if (type.equals("directory")) {
                    if (++folders > maxFiles) {
                        throw failures.protocol(call, "the tree has more than " + maxFiles + " folders "
                                + "(mirror.hub.max-files)");
                    }
                    continue;
                }
                if (!type.equals("file")) {
                    throw failures.protocol(call, "tree entry " + i + " has unknown type '"
                            + HubFailures.printable(type) + "'");
                }
                HubFile file = toFile(entry);
                if (!paths.add(file.path())) {
                    throw failures.protocol(call, "the tree lists '" + HubFailures.printable(file.path()) + "' twice");
                }
                if (files.size() >= maxFiles) {
                    throw failures.protocol(call, "the tree has more than " + maxFiles + " files (mirror.hub.max-files):"
                            + " raise the limit if this repo is really that large");
                }
                files.add(file);
            }
            Optional<String> link = LinkHeader.next(page.headers().getAll("Link"));
            if (link.isEmpty()) {
                return false;
            }
            if (entries.isEmpty()) {
                throw failures.protocol(call, "an empty tree page links to another page");
            }
            URI target;
            try {
                target = page.url().resolve(new URI(link.get()));
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw failures.protocol(call, "the tree page's next link is not a URL");
            }
            if (!endpoint.isOrigin(target)) {
                throw failures.protocol(call, "the tree page's next link points to " + HubEndpoint.scheme(target)
                        + "://" + target.getRawAuthority() + ", not to the Hub " + endpoint.base() + ": refused");
            }
            if (visited.contains(target)) {
                throw failures.protocol(call, "the tree page's next link loops back to a page already read");
            }
            next = target;
            return true;
        }

        private HubFile toFile(JsonObject entry) {
            Object path = entry.getValue("path");
            if (!(path instanceof String p) || p.isEmpty()) {
                throw failures.protocol(call, "a tree entry has no path");
            }
            long size = nonNegative(entry.getValue("size"), p, "size");
            Object oid = entry.getValue("oid");
            if (!(oid instanceof String blob) || !SHA1.matcher(blob).matches()) {
                throw failures.protocol(call, "tree entry '" + HubFailures.printable(p) + "' has no 40-hex 'oid'");
            }
            Optional<LfsInfo> lfs = Optional.empty();
            Object lfsValue = entry.getValue("lfs");
            if (lfsValue instanceof JsonObject l) {
                Object sha = l.getValue("oid");
                if (!(sha instanceof String s) || !SHA256.matcher(s).matches()) {
                    throw failures.protocol(call, "tree entry '" + HubFailures.printable(p) + "' has an LFS pointer "
                            + "without a 64-hex 'oid'");
                }
                long lfsSize = nonNegative(l.getValue("size"), p, "lfs.size");
                long pointerSize = nonNegative(l.getValue("pointerSize"), p, "lfs.pointerSize");
                lfs = Optional.of(new LfsInfo(s, lfsSize, pointerSize));
                size = lfsSize;
            } else if (lfsValue != null) {
                throw failures.protocol(call, "tree entry '" + HubFailures.printable(p) + "' has a malformed 'lfs'");
            }
            return new HubFile(p, size, blob, lfs);
        }

        private long nonNegative(Object value, String path, String field) {
            if (value instanceof Number n && n.longValue() >= 0 && n.doubleValue() == n.longValue()) {
                return n.longValue();
            }
            throw failures.protocol(call, "tree entry '" + HubFailures.printable(path) + "' has no valid '" + field
                    + "'");
        }
    }
}
