package dev.hubmirror.http;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;

/**
 * The status line and headers of a response, before its body.
 *
 * @param url     the URL that was requested
 * @param status  the HTTP status
 * @param headers the response headers (Netty's, as decoded: valid during the exchange)
 */
public record ResponseHead(URI url, int status, HttpHeaders headers) {

    /** The first value of a header, or null. */
    public String header(String name) {
        return headers.get(name);
    }
}
