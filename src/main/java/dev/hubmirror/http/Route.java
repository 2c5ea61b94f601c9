package dev.hubmirror.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/** How the connections of a pool reach their origin: directly, or through a forward proxy. */
interface Route {

    /** Straight to the origin. */
    Route DIRECT = new Route() {
    };

    /** The proxy connections go through, or null. */
    default ProxySettings.Proxy proxy() {
        return null;
    }

    /** The request target of {@code request} on this route. */
    default String requestTarget(Request request) {
        return request.target();
    }

    /** Adds the headers this route needs. */
    default void decorate(Request request, HttpHeaders headers) {
    }

    /**
     * Through a forward proxy: an https target through a {@code CONNECT} tunnel (the proxy sees only the TLS bytes),
     * a plain-http target as absolute-form requests carrying the proxy's credentials.
     */
    record Proxied(ProxySettings.Proxy proxy, boolean tunnel) implements Route {

        @Override
        public String requestTarget(Request request) {
            return tunnel ? request.target() : request.origin().scheme() + "://" + request.origin().authority()
                    + request.target();
        }

        @Override
        public void decorate(Request request, HttpHeaders headers) {
            if (!tunnel) {
                proxy.authorization().ifPresent(a -> headers.set(HttpHeaderNames.PROXY_AUTHORIZATION, a));
            }
        }
    }
}
