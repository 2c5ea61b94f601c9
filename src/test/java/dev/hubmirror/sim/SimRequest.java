package dev.hubmirror.sim;

import java.util.Map;

/**
 * One request the simulator received, for assertions.
 *
 * @param listener      {@code "hub"} or {@code "cdn"}
 * @param method        HTTP method
 * @param path          raw path including the query string, as sent
 * @param headers       request headers by lower-case name (repeated headers joined with {@code ", "}); the
 *                      {@code authorization} value is replaced by {@code "present"}, so tests can check that it was
 *                      sent (or not) without the token being stored
 * @param status        response status, 0 while the response headers were not written yet
 * @param bodyBytesSent response body bytes written so far (0 for HEAD)
 */
public record SimRequest(String listener, String method, String path, Map<String, String> headers, int status,
        long bodyBytesSent) {

    /** Whether the request carried an {@code Authorization} header. */
    public boolean authorized() {
        return headers.containsKey("authorization");
    }

    /** The value of a request header (case-insensitive name), or {@code null}. */
    public String header(String name) {
        return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }
}
