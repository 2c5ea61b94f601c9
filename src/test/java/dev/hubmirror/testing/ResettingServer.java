package dev.hubmirror.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;

/**
 * A loopback port where every connection is accepted and at once reset (TCP RST): an unreachable server that fails
 * fast and the same way on every machine. A port where nothing listens is not as reliable: some sandboxes drop the
 * connection attempt silently instead of refusing it, and the client then waits for its own timeouts.
 */
public final class ResettingServer implements AutoCloseable {

    private final ServerSocket socket;
    private final Thread acceptor;

    private ResettingServer(ServerSocket socket) {
        this.socket = socket;
        this.acceptor = new Thread(this::resetAll, "resetting-server-" + socket.getLocalPort());
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /** Starts the server on a free loopback port. */
    public static ResettingServer start() {
        try {
            return new ResettingServer(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:<port>}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }

    /** The port. */
    public int port() {
        return socket.getLocalPort();
    }

    private void resetAll() {
        while (!socket.isClosed()) {
            try (Socket connection = socket.accept()) {
                connection.setSoLinger(true, 0);
            } catch (IOException e) {
                if (socket.isClosed()) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
            acceptor.join(5_000);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
