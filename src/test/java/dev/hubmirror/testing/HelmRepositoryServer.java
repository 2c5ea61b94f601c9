package dev.hubmirror.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A classic Helm repository as GitHub Pages or ChartMuseum serve one: static files ({@code index.yaml}, chart
 * archives) over HTTP on 127.0.0.1, whatever the test puts there.
 */
public final class HelmRepositoryServer implements AutoCloseable {

    private final HttpServer server;
    private final Map<String, Buffer> files = new ConcurrentHashMap<>();

    public HelmRepositoryServer(Vertx vertx) {
        server = vertx.createHttpServer().requestHandler(request -> {
            Buffer file = files.get(request.path());
            if (file == null) {
                request.response().setStatusCode(404).end();
            } else {
                request.response().end(file);
            }
        });
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS)
                .join();
    }

    /** {@code 127.0.0.1:<port>}. */
    public String host() {
        return "127.0.0.1:" + server.actualPort();
    }

    /** Serves {@code bytes} at {@code path}. */
    public HelmRepositoryServer put(String path, byte[] bytes) {
        files.put(path, Buffer.buffer(bytes));
        return this;
    }

    /**
     * Publishes chart {@code name} {@code version} (a generated archive) under {@code /charts}: the archive, and an
     * {@code index.yaml} listing every chart published so far.
     */
    public synchronized byte[] publish(String name, String version) {
        byte[] archive = OciLayout.chartArchive(name, version, "chart " + name);
        put("/charts/" + name + "-" + version + ".tgz", archive);
        StringBuilder index = new StringBuilder(files.containsKey("/charts/index.yaml")
                ? files.get("/charts/index.yaml").toString().replace("generated: now\n", "")
                : "apiVersion: v1\nentries:\n");
        index.append("  ").append(name).append(":\n  - apiVersion: v2\n    name: ").append(name)
                .append("\n    version: ").append(version).append("\n    digest: \"")
                .append(OciLayout.sha256(archive).substring(7)).append("\"\n    urls:\n    - ").append(name)
                .append("-").append(version).append(".tgz\n");
        index.append("generated: now\n");
        put("/charts/index.yaml", index.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return archive;
    }

    @Override
    public void close() {
        server.close();
    }
}
