package dev.hubmirror.store.gcs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import java.util.zip.GZIPInputStream;

/**
 * A small in-test fake of the GCS JSON API on loopback: the resumable-upload protocol (initiate with
 * {@code uploadType=resumable}, chunks with {@code Content-Range}, 308 with {@code Range}, the final request that
 * creates the object, status queries with {@code bytes * /N}, cancel with {@code DELETE}), plus the few object calls
 * the store makes (multipart insert, get, rewrite, delete, media download). Faults are scripted: a status on the n-th
 * chunk, a connection cut in the middle of the n-th chunk, sessions that expire, every request refused.
 *
 * <p>Like GCS, it persists the bytes of a cut chunk only in whole 256 KiB units, checks the {@code x-goog-hash}
 * crc32c of the final request, and creates the object only when the request carrying the total size arrives. Public
 * so that end-to-end tests elsewhere can mirror into it (a store from {@code mirror.store.gcs.host=host()} and
 * {@code mirror.store.gcs.anonymous=true}).
 */
public final class FakeGcsServer implements AutoCloseable {

    public static final int GRANULE = 256 * 1024;
    private static final int CANCELLED = 499;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern OBJECT = Pattern.compile("^/storage/v1/b/([^/]+)/o/([^/]+)$");
    private static final Pattern MEDIA = Pattern.compile("^/download/storage/v1/b/([^/]+)/o/([^/]+)$");
    private static final Pattern REWRITE = Pattern.compile("^/storage/v1/b/([^/]+)/o/([^/]+)/rewriteTo/b/([^/]+)/o/([^/]+)$");
    private static final Pattern RANGE = Pattern.compile("^bytes (\\*|(\\d+)-(\\d+))/(\\*|\\d+)$");

    /** A finalized object. */
    public record StoredBlob(byte[] content, Map<String, String> metadata, long generation) {
    }

    /** A resumable session and what it received. */
    public static final class Session {
        final String id;
        final String bucket;
        final String name;
        final Map<String, String> metadata;
        final ByteArrayOutputStream persisted = new ByteArrayOutputStream();
        final List<String> ranges = new ArrayList<>();
        String finalHash;
        boolean finalized;
        boolean cancelled;
        boolean expired;

        Session(String id, String bucket, String name, Map<String, String> metadata) {
            this.id = id;
            this.bucket = bucket;
            this.name = name;
            this.metadata = metadata;
        }

        /** The object name the session writes. */
        public String name() {
            return name;
        }

        /** Whether the session ended in neither an object nor a cancellation (an upload left open). */
        public synchronized boolean open() {
            return !finalized && !cancelled && !expired;
        }
    }

    private final Vertx vertx;
    private final HttpServer server;
    private final Map<String, StoredBlob> objects = new TreeMap<>();
    private final Map<String, Session> sessions = new HashMap<>();
    private final AtomicInteger chunkRequests = new AtomicInteger();
    private final AtomicInteger generations = new AtomicInteger();
    private int failChunk;
    private int failStatus;
    private int cutChunk;
    private int cutAfterBytes;
    private int refuseStatus;
    private int expireAtChunk;

    private FakeGcsServer(Vertx vertx) {
        this.vertx = vertx;
        this.server = vertx.createHttpServer().requestHandler(this::handle);
    }

    /** Starts a fake on a free loopback port. */
    public static FakeGcsServer start() {
        FakeGcsServer fake = new FakeGcsServer(Vertx.vertx());
        fake.server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
        return fake;
    }

    /** The URL to give the client as its host. */
    public String host() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    /** Answers {@code status} to the {@code n}-th chunk request (1-based, counted over all sessions), persisting nothing. */
    public synchronized void failChunk(int n, int status) {
        failChunk = n;
        failStatus = status;
    }

    /** Cuts the connection of the {@code n}-th chunk request once {@code afterBytes} of its body arrived. */
    public synchronized void cutChunk(int n, int afterBytes) {
        cutChunk = n;
        cutAfterBytes = afterBytes;
    }

    /** Makes every open session answer 404, as an expired one does. */
    public synchronized void expireSessions() {
        sessions.values().forEach(s -> s.expired = true);
    }

    /**
     * Expires the session that the {@code n}-th chunk request (1-based, counted over all sessions) writes to, as
     * that request arrives: it and every later request to that session answer 404.
     */
    public synchronized void expireSessionAtChunk(int n) {
        expireAtChunk = n;
    }

    /** Chunk requests that carried data so far, over all sessions. */
    public int chunkRequests() {
        return chunkRequests.get();
    }

    /** Answers {@code status} to every request from now on (0 to stop). */
    public synchronized void refuseAll(int status) {
        refuseStatus = status;
    }

    public synchronized Optional<StoredBlob> object(String bucket, String name) {
        return Optional.ofNullable(objects.get(bucket + "/" + name));
    }

    public synchronized List<String> objectNames() {
        return List.copyOf(objects.keySet());
    }

    public synchronized List<Session> sessions() {
        return List.copyOf(sessions.values());
    }

    /** Stores an object directly, as if uploaded earlier. */
    public synchronized void putObject(String bucket, String name, byte[] content, Map<String, String> metadata) {
        objects.put(bucket + "/" + name, new StoredBlob(content, metadata, generations.incrementAndGet()));
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private void handle(HttpServerRequest req) {
        int refuse;
        synchronized (this) {
            refuse = refuseStatus;
        }
        if (refuse != 0) {
            req.body().onComplete(ignored -> error(req.response(), refuse, "refused by the test"));
            return;
        }
        String path = req.path();
        if (path.startsWith("/upload/") && req.method().name().equals("PUT") && req.getParam("upload_id") != null) {
            chunk(req);
            return;
        }
        req.body().onSuccess(received -> {
            try {
                Buffer body = received;
                if ("gzip".equalsIgnoreCase(req.getHeader("Content-Encoding"))) {
                    try (var in = new GZIPInputStream(new ByteArrayInputStream(received.getBytes()))) {
                        body = Buffer.buffer(in.readAllBytes());
                    }
                }
                route(req, path, body);
            } catch (Exception e) {
                error(req.response(), 500, "fake failed: " + e);
            }
        });
    }

    private void route(HttpServerRequest req, String path, Buffer body) throws Exception {
        String method = req.method().name();
        Matcher m;
        if (path.startsWith("/upload/storage/v1/b/") && method.equals("POST")) {
            String bucket = path.substring("/upload/storage/v1/b/".length(), path.indexOf("/o"));
            if ("resumable".equals(req.getParam("uploadType"))) {
                initiate(req, bucket, body);
            } else {
                multipartInsert(req, bucket, body);
            }
        } else if (path.startsWith("/upload/") && method.equals("DELETE") && req.getParam("upload_id") != null) {
            cancel(req);
        } else if ((m = REWRITE.matcher(path)).matches() && method.equals("POST")) {
            rewrite(req, decode(m.group(1)), decode(m.group(2)), decode(m.group(3)), decode(m.group(4)), body);
        } else if ((m = OBJECT.matcher(path)).matches() || (m = MEDIA.matcher(path)).matches()) {
            String bucket = decode(m.group(1));
            String name = decode(m.group(2));
            if (method.equals("DELETE")) {
                deleteObject(req, bucket, name);
            } else if ("media".equals(req.getParam("alt")) || path.startsWith("/download/")) {
                media(req, bucket, name);
            } else {
                getObject(req, bucket, name);
            }
        } else {
            error(req.response(), 501, "the fake does not serve " + method + " " + path);
        }
    }

    private synchronized void initiate(HttpServerRequest req, String bucket, Buffer body) throws Exception {
        JsonNode object = JSON.readTree(body.getBytes());
        String name = object.path("name").asText(req.getParam("name"));
        String id = "s" + (sessions.size() + 1);
        sessions.put(id, new Session(id, bucket, name, metadata(object)));
        req.response().setStatusCode(200)
                .putHeader("Location", host() + "/upload/storage/v1/b/" + bucket + "/o?uploadType=resumable&upload_id=" + id)
                .putHeader("Content-Length", "0")
                .end();
    }

    /** A PUT to a session: a chunk, the final request, or a status query; streamed so that it can be cut. */
    private void chunk(HttpServerRequest req) {
        String range = req.getHeader("Content-Range");
        String hash = req.getHeader("x-goog-hash");
        Session session;
        int number;
        int status;
        int cutAt;
        synchronized (this) {
            session = sessions.get(req.getParam("upload_id"));
            boolean carriesData = range != null && !range.startsWith("bytes */");
            number = carriesData ? chunkRequests.incrementAndGet() : 0;
            status = number != 0 && number == failChunk ? failStatus : 0;
            cutAt = number != 0 && number == cutChunk ? cutAfterBytes : -1;
            if (session != null) {
                session.ranges.add(range);
                if (number != 0 && number == expireAtChunk) {
                    session.expired = true;
                }
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean[] cut = {false};
        req.handler(data -> {
            if (cut[0]) {
                return;
            }
            body.writeBytes(data.getBytes());
            if (cutAt >= 0 && body.size() >= cutAt) {
                cut[0] = true;
                int keep = cutAt / GRANULE * GRANULE;
                synchronized (this) {
                    if (session != null) {
                        append(session, startOf(range), java.util.Arrays.copyOf(body.toByteArray(), keep));
                    }
                }
                req.connection().close();
            }
        });
        req.endHandler(ignored -> {
            if (cut[0]) {
                return;
            }
            if (status != 0) {
                error(req.response(), status, "scripted failure of chunk " + number);
                return;
            }
            synchronized (this) {
                answerChunk(req.response(), session, range, hash, body.toByteArray());
            }
        });
    }

    private void answerChunk(HttpServerResponse response, Session session, String range, String hash, byte[] body) {
        if (session == null || session.expired) {
            error(response, 404, "No such upload session");
            return;
        }
        if (session.cancelled) {
            error(response, CANCELLED, "Upload was cancelled");
            return;
        }
        Matcher m = range == null ? null : RANGE.matcher(range);
        if (m == null || !m.matches()) {
            error(response, 400, "bad Content-Range " + range);
            return;
        }
        if (session.finalized) {
            objectJson(response, 200, session.bucket, session.name);
            return;
        }
        if (m.group(2) != null) {
            long start = Long.parseLong(m.group(2));
            long end = Long.parseLong(m.group(3));
            if (end - start + 1 != body.length) {
                error(response, 400, "Content-Range " + range + " does not match a body of " + body.length);
                return;
            }
            if (start > session.persisted.size()) {
                error(response, 400, "Content-Range " + range + " starts after the " + session.persisted.size()
                        + " bytes persisted");
                return;
            }
            append(session, start, body);
        }
        String total = m.group(4);
        if (!total.equals("*") && Long.parseLong(total) == session.persisted.size()) {
            byte[] content = session.persisted.toByteArray();
            if (hash != null && !hash.equals("crc32c=" + crc32c(content))) {
                error(response, 400, "crc32c mismatch");
                return;
            }
            session.finalized = true;
            session.finalHash = hash;
            objects.put(session.bucket + "/" + session.name,
                    new StoredBlob(content, session.metadata, generations.incrementAndGet()));
            objectJson(response, 200, session.bucket, session.name);
            return;
        }
        response.setStatusCode(308);
        if (session.persisted.size() > 0) {
            response.putHeader("Range", "bytes=0-" + (session.persisted.size() - 1));
        }
        response.putHeader("Content-Length", "0").end();
    }

    private static long startOf(String range) {
        Matcher m = RANGE.matcher(range);
        return m.matches() && m.group(2) != null ? Long.parseLong(m.group(2)) : 0;
    }

    /** Appends the part of {@code data} (which starts at {@code start}) beyond what the session holds. */
    private static void append(Session session, long start, byte[] data) {
        long skip = session.persisted.size() - start;
        if (skip < data.length && skip >= 0) {
            session.persisted.write(data, (int) skip, (int) (data.length - skip));
        }
    }

    private synchronized void cancel(HttpServerRequest req) {
        Session session = sessions.get(req.getParam("upload_id"));
        if (session == null) {
            error(req.response(), 404, "No such upload session");
            return;
        }
        session.ranges.add("DELETE");
        session.cancelled = true;
        req.response().setStatusCode(CANCELLED).putHeader("Content-Length", "0").end();
    }

    private synchronized void multipartInsert(HttpServerRequest req, String bucket, Buffer body) throws Exception {
        String contentType = req.getHeader("Content-Type");
        String boundary = contentType.substring(contentType.indexOf("boundary=") + "boundary=".length()).replace("\"", "");
        List<byte[]> parts = multipartBodies(body.getBytes(), boundary);
        JsonNode object = JSON.readTree(parts.get(0));
        String name = object.path("name").asText(req.getParam("name"));
        objects.put(bucket + "/" + name, new StoredBlob(parts.get(1), metadata(object), generations.incrementAndGet()));
        objectJson(req.response(), 200, bucket, name);
    }

    /** The bodies of a {@code multipart/related} message, in order. */
    private static List<byte[]> multipartBodies(byte[] message, String boundary) {
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.US_ASCII);
        List<byte[]> bodies = new ArrayList<>();
        int at = indexOf(message, delimiter, 0);
        while (at >= 0) {
            int lineEnd = at + delimiter.length;
            if (lineEnd + 1 < message.length && message[lineEnd] == '-' && message[lineEnd + 1] == '-') {
                break;
            }
            int headersEnd = indexOf(message, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), lineEnd);
            int next = indexOf(message, delimiter, headersEnd + 4);
            int bodyEnd = next - 2; // the CRLF before the delimiter belongs to it
            bodies.add(java.util.Arrays.copyOfRange(message, headersEnd + 4, bodyEnd));
            at = next;
        }
        return bodies;
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private synchronized void rewrite(HttpServerRequest req, String sourceBucket, String sourceName, String bucket,
            String name, Buffer body) throws Exception {
        StoredBlob source = objects.get(sourceBucket + "/" + sourceName);
        if (source == null) {
            error(req.response(), 404, "No such object: " + sourceBucket + "/" + sourceName);
            return;
        }
        String generationMatch = req.getParam("ifSourceGenerationMatch");
        if (generationMatch != null && Long.parseLong(generationMatch) != source.generation()) {
            error(req.response(), 412, "Precondition Failed");
            return;
        }
        Map<String, String> metadata = source.metadata();
        if (body.length() > 0) {
            JsonNode target = JSON.readTree(body.getBytes());
            if (target.has("metadata")) {
                metadata = metadata(target);
            }
        }
        objects.put(bucket + "/" + name, new StoredBlob(source.content(), metadata, generations.incrementAndGet()));
        ObjectNode response = JSON.createObjectNode();
        response.put("kind", "storage#rewriteResponse");
        response.put("totalBytesRewritten", String.valueOf(source.content().length));
        response.put("objectSize", String.valueOf(source.content().length));
        response.put("done", true);
        response.set("resource", objectNode(bucket, name));
        json(req.response(), 200, response);
    }

    private synchronized void getObject(HttpServerRequest req, String bucket, String name) {
        if (!objects.containsKey(bucket + "/" + name)) {
            error(req.response(), 404, "No such object: " + bucket + "/" + name);
            return;
        }
        objectJson(req.response(), 200, bucket, name);
    }

    private synchronized void media(HttpServerRequest req, String bucket, String name) {
        StoredBlob blob = objects.get(bucket + "/" + name);
        if (blob == null) {
            error(req.response(), 404, "No such object: " + bucket + "/" + name);
            return;
        }
        req.response().setStatusCode(200).putHeader("Content-Type", "application/octet-stream")
                .end(Buffer.buffer(blob.content()));
    }

    private synchronized void deleteObject(HttpServerRequest req, String bucket, String name) {
        if (objects.remove(bucket + "/" + name) == null) {
            error(req.response(), 404, "No such object: " + bucket + "/" + name);
            return;
        }
        req.response().setStatusCode(204).end();
    }

    private void objectJson(HttpServerResponse response, int status, String bucket, String name) {
        json(response, status, objectNode(bucket, name));
    }

    private ObjectNode objectNode(String bucket, String name) {
        StoredBlob blob = objects.get(bucket + "/" + name);
        ObjectNode node = JSON.createObjectNode();
        node.put("kind", "storage#object");
        node.put("id", bucket + "/" + name + "/" + blob.generation());
        node.put("bucket", bucket);
        node.put("name", name);
        node.put("size", String.valueOf(blob.content().length));
        node.put("generation", String.valueOf(blob.generation()));
        node.put("metageneration", "1");
        node.put("contentType", GcsObjectStore.CONTENT_TYPE);
        node.put("crc32c", crc32c(blob.content()));
        ObjectNode metadata = node.putObject("metadata");
        blob.metadata().forEach(metadata::put);
        return node;
    }

    private static Map<String, String> metadata(JsonNode object) {
        Map<String, String> metadata = new TreeMap<>();
        object.path("metadata").fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
        return metadata;
    }

    private static void json(HttpServerResponse response, int status, JsonNode body) {
        try {
            response.setStatusCode(status).putHeader("Content-Type", "application/json; charset=UTF-8")
                    .end(Buffer.buffer(JSON.writeValueAsBytes(body)));
        } catch (Exception e) {
            response.setStatusCode(500).end();
        }
    }

    private static void error(HttpServerResponse response, int status, String message) {
        ObjectNode error = JSON.createObjectNode();
        ObjectNode inner = error.putObject("error");
        inner.put("code", status);
        inner.put("message", message);
        json(response, status, error);
    }

    public static String crc32c(byte[] content) {
        CRC32C crc = new CRC32C();
        crc.update(content);
        byte[] be = ByteBuffer.allocate(4).putInt((int) crc.getValue()).array();
        return Base64.getEncoder().encodeToString(be);
    }

    private static String decode(String segment) {
        return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
