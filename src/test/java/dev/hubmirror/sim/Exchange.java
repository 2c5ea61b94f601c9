package dev.hubmirror.sim;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** One request being answered: its parsed URL, its log entry, and the ways the simulator answers. */
final class Exchange {

    /** The mutable log entry of a request; {@link #snapshot()} gives the public record. */
    static final class Entry {
        private final String listener;
        private final String method;
        private final String path;
        private final Map<String, String> headers;
        private volatile int status;
        private volatile long bodyBytes;

        Entry(String listener, HttpServerRequest request) {
            this.listener = listener;
            this.method = request.method().name();
            this.path = request.uri();
            Map<String, String> h = new TreeMap<>();
            request.headers().forEach(e -> {
                String name = e.getKey().toLowerCase(Locale.ROOT);
                String value = name.equals("authorization") ? "present" : e.getValue();
                h.merge(name, value, (a, b) -> name.equals("authorization") ? a : a + ", " + b);
            });
            this.headers = Collections.unmodifiableMap(h);
        }

        SimRequest snapshot() {
            return new SimRequest(listener, method, path, headers, status, bodyBytes);
        }
    }

    final HttpServerRequest request;
    final HttpServerResponse response;
    final String rawPath;
    final String rawQuery;
    final Map<String, String> query;
    final SimNetwork network;
    private final Entry entry;

    Exchange(HttpServerRequest request, Entry entry, SimNetwork network) {
        this.request = request;
        this.response = request.response();
        this.entry = entry;
        this.network = network;
        String uri = request.uri();
        int q = uri.indexOf('?');
        this.rawPath = q < 0 ? uri : uri.substring(0, q);
        this.rawQuery = q < 0 ? "" : uri.substring(q + 1);
        Map<String, String> parsed;
        try {
            parsed = PercentCodec.parseQuery(rawQuery);
        } catch (IllegalArgumentException e) {
            parsed = Map.of();
        }
        this.query = parsed;
        response.headersEndHandler(v -> entry.status = response.getStatusCode());
    }

    boolean isHead() {
        return request.method() == HttpMethod.HEAD;
    }

    boolean isGetOrHead() {
        return request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD;
    }

    /** A query flag like {@code recursive=true} (also {@code True}, {@code 1}). */
    boolean flag(String name) {
        String v = query.get(name);
        return v != null && (v.equalsIgnoreCase("true") || v.equals("1"));
    }

    void countBody(long bytes) {
        entry.bodyBytes += bytes;
    }

    /**
     * Answers after the network's latency (none by default): runs {@code answer} now or from a timer, unless the
     * client has gone away meanwhile.
     */
    void afterLatency(Runnable answer) {
        network.afterLatency(() -> {
            if (!response.closed()) {
                answer.run();
            }
        });
    }

    /** Ends with {@code body} (not sent for HEAD, but its length is), paced by the network's link cap if set. */
    void end(int status, String contentType, byte[] body) {
        response.setStatusCode(status);
        if (contentType != null) {
            response.putHeader("Content-Type", contentType);
        }
        response.putHeader("Content-Length", String.valueOf(body.length));
        if (isHead() || body.length == 0) {
            response.end();
        } else {
            network.afterBody(body.length, () -> {
                if (!response.closed()) {
                    countBody(body.length);
                    response.end(Buffer.buffer(body));
                }
            });
        }
    }

    void json(int status, Object json) {
        String text = json instanceof JsonObject o ? o.encode()
                : json instanceof io.vertx.core.json.JsonArray a ? a.encode() : String.valueOf(json);
        end(status, "application/json; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
    }

    void text(int status, String contentType, String body) {
        end(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A Hub error: {@code X-Error-Code} (when given) and {@code X-Error-Message} headers and a JSON
     * {@code {"error": message}} body; 401s carry {@code WWW-Authenticate} like the Hub's.
     */
    void hubError(int status, String code, String message) {
        if (code != null) {
            response.putHeader("X-Error-Code", code);
        }
        response.putHeader("X-Error-Message", headerSafe(message));
        if (status == 401) {
            response.putHeader("WWW-Authenticate", "Bearer realm=\"Authentication required\", charset=\"UTF-8\"");
        }
        json(status, new JsonObject().put("error", message));
    }

    /** A header value must be ISO-8859-1 without control characters: replace anything else. */
    static String headerSafe(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return sb.toString();
    }
}
