package dev.hubmirror.http;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;

/** How the connections of a pool reach their origin: directly, or through a forward proxy. */
interface Route {

    /** Straight to the origin. */
    Route DIRECT = new Route() {
    };

    /** The address requests really go to (what a {@link PeerCheck} judges). */
    default InetSocketAddress targetAddress(Channel channel) {
        return channel.remoteAddress() instanceof InetSocketAddress a ? a : null;
    }

    /** The request target of {@code request} on this route. */
    default String requestTarget(Request request) {
        return request.target();
    }

    /** Adds the headers this route needs. */
    default void decorate(Request request, HttpHeaders headers) {
    }
}
