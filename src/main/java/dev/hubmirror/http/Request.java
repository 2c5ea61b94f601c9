package dev.hubmirror.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.net.URI;

/**
 * One HTTP/1.1 request: method, absolute URL, headers, an optional body and a {@link PeerCheck}. The client adds
 * {@code Host}, {@code User-Agent} (unless set) and {@code Content-Length}. Built fluently, used once.
 *
 * <p>A body is a {@link ByteBuf} the client owns once the request is sent: it is released after it was written (or
 * when the exchange fails before that). To send the bytes of a buffer the caller keeps (a pooled part), wrap them
 * ({@code Unpooled.wrappedBuffer(views)}): releasing the wrapper leaves them alone, and the client writes nothing from
 * them once the exchange has ended (a failed exchange closes its connection, dropping pending writes, before it
 * completes).
 */
public final class Request {

    private final HttpMethod method;
    private final URI url;
    private final HttpOrigin origin;
    private final HttpHeaders headers = new DefaultHttpHeaders();
    private ByteBuf body;
    private PeerCheck peerCheck = PeerCheck.NONE;

    private Request(HttpMethod method, URI url) {
        this.method = method;
        this.url = url;
        this.origin = HttpOrigin.of(url);
    }

    /** A request with {@code method} to an absolute http(s) URL. */
    public static Request of(HttpMethod method, URI url) {
        return new Request(method, url);
    }

    /** A GET of {@code url}. */
    public static Request get(URI url) {
        return new Request(HttpMethod.GET, url);
    }

    /** Adds a header. */
    public Request header(CharSequence name, Object value) {
        headers.add(name, value);
        return this;
    }

    /** Sets the body (owned by the client from now on, see the class comment). */
    public Request body(ByteBuf content) {
        this.body = content;
        return this;
    }

    /** Sets the check of the connected peer, made before anything is written. */
    public Request peerCheck(PeerCheck check) {
        this.peerCheck = check;
        return this;
    }

    public HttpMethod method() {
        return method;
    }

    public URI url() {
        return url;
    }

    public HttpOrigin origin() {
        return origin;
    }

    public HttpHeaders headers() {
        return headers;
    }

    /** The body, or null. */
    public ByteBuf body() {
        return body;
    }

    public PeerCheck peerCheck() {
        return peerCheck;
    }

    /** The request target in origin form: the raw path (or {@code /}) and the raw query. */
    String target() {
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        return url.getRawQuery() == null ? path : path + "?" + url.getRawQuery();
    }

    /** Whether sending this request again cannot change anything on the server (RFC 9110 9.2.2). */
    boolean idempotent() {
        return method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD) || method.equals(HttpMethod.PUT)
                || method.equals(HttpMethod.DELETE) || method.equals(HttpMethod.OPTIONS);
    }
}
