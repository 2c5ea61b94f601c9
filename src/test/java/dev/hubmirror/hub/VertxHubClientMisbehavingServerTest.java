package dev.hubmirror.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hubmirror.config.HubConfig;
import dev.hubmirror.failure.Reason;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link VertxHubClient} against a small scripted server on loopback that misbehaves in ways the Hub simulator does
 * not: stalls mid-body, sends more than it announced, ignores Range, paginates to another host or in a loop, answers
 * malformed JSON or nothing at all.
 */
class VertxHubClientMisbehavingServerTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String SHA = "0123456789abcdef0123456789abcdef01234567";
    private static final String OID = "89abcdef0123456789abcdef0123456789abcdef";
    private static final RepoRef REF = RepoRef.model("org/m", "main");
    private static final String FILE_PATH = "/org/m/resolve/" + SHA + "/f.bin";

    private static Vertx vertx;
    private static HttpServer server;
    private static volatile Handler<HttpServerRequest> handler;
    private static final List<String> RANGES = new CopyOnWriteArrayList<>();

    private VertxHubClient client;

    @BeforeAll
    static void startServer() {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer().requestHandler(request -> {
            RANGES.add(request.path() + " " + request.getHeader("Range"));
            handler.handle(request);
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    @AfterAll
    static void stopServer() {
        vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    @BeforeEach
    void newClient() {
        RANGES.clear();
        client = client(Map.of());
    }

    @AfterEach
    void closeClient() {
        client.close();
    }

    @Test
    void resumesABodyThatStallsAfterTheIdleTimeout() {
        // Given: a response from byte 0 stalls after 30000 bytes, a response from a later byte serves the rest
        byte[] content = content(100_000);
        handler = request -> {
            long from = rangeStart(request);
            request.response().setStatusCode(206)
                    .putHeader("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length)
                    .putHeader("Content-Length", String.valueOf(content.length - from));
            if (from == 0) {
                request.response().write(Buffer.buffer(Arrays.copyOfRange(content, 0, 30_000)));
            } else {
                request.response().end(Buffer.buffer(Arrays.copyOfRange(content, (int) from, content.length)));
            }
        };

        // When
        byte[] bytes;
        try (VertxHubClient impatient = client(Map.of("mirror.hub.idle-timeout", "300ms",
                "mirror.hub.max-attempts", "4"))) {
            bytes = download(impatient, 0, content.length, content.length);
        }

        // Then: (a slow first response head may have cost one more attempt from byte 0)
        assertThat(bytes).isEqualTo(content);
        assertThat(RANGES).last().isEqualTo(FILE_PATH + " bytes=30000-99999");
        assertThat(RANGES).allMatch(r -> r.endsWith("bytes=0-99999") || r.endsWith("bytes=30000-99999"));
    }

    @Test
    void failsWithoutDeliveringBytesBeyondTheAnnouncedRange() {
        // Given: Content-Range announces 100 bytes, the chunked body carries 150
        byte[] content = content(150);
        handler = request -> {
            request.response().setStatusCode(206).setChunked(true)
                    .putHeader("Content-Range", "bytes 0-99/100");
            request.response().write(Buffer.buffer(Arrays.copyOfRange(content, 0, 100)));
            vertx.setTimer(20, id -> request.response().end(Buffer.buffer(Arrays.copyOfRange(content, 100, 150))));
        };
        ByteArrayOutputStream received = new ByteArrayOutputStream();

        // When
        HubException e = catchThrowableOfType(HubException.class, () -> client.download(REF, SHA, file(100), 0, 100)
                .onItem().invoke(b -> {
                    byte[] chunk = new byte[b.remaining()];
                    b.get(chunk);
                    received.write(chunk, 0, chunk.length);
                }).collect().last().await().atMost(WAIT));

        // Then
        assertThat(e.reason()).isEqualTo(Reason.SIZE_MISMATCH);
        assertThat(received.size()).isEqualTo(100);
    }

    @Test
    void refusesAFullBodyForAPartialRange() {
        // Given
        handler = request -> request.response().setStatusCode(200).end(Buffer.buffer(content(1000)));

        // When
        HubException e = failure(client.download(REF, SHA, file(1000), 10, 20).collect().last());

        // Then
        assertThat(e.reason()).isEqualTo(Reason.HUB_PROTOCOL);
        assertThat(e.getMessage()).contains("ignored the Range header");
    }

    @Test
    void acceptsAFullBodyForTheWholeFile() {
        // Given
        byte[] content = content(1000);
        handler = request -> request.response().setStatusCode(200).end(Buffer.buffer(content));

        // When / Then
        assertThat(download(client, 0, 1000, 1000)).isEqualTo(content);
    }

    @Test
    void refusesATreeThatPaginatesToAnotherHost() {
        // Given
        handler = request -> request.response()
                .putHeader("Link", "<http://evil.example/api/models/org/m/tree/" + SHA + "?cursor=2>; rel=\"next\"")
                .end(treePage("a.txt"));

        // When
        HubException e = failure(client.listFiles(REF, SHA));

        // Then
        assertThat(e.reason()).isEqualTo(Reason.HUB_PROTOCOL);
        assertThat(e.getMessage()).contains("evil.example").doesNotContain("cursor");
    }

    @Test
    void refusesATreeThatPaginatesInALoop() {
        // Given
        handler = request -> request.response()
                .putHeader("Link", "<" + request.uri() + ">; rel=\"next\"").end(treePage("a.txt"));

        // When
        HubException e = failure(client.listFiles(REF, SHA));

        // Then
        assertThat(e.reason()).isEqualTo(Reason.HUB_PROTOCOL);
        assertThat(e.getMessage()).contains("loops");
    }

    @Test
    void followsRelativeNextLinks() {
        // Given
        handler = request -> {
            if (request.getParam("cursor") == null) {
                request.response().putHeader("Link", "</api/models/org/m/tree/" + SHA + "?cursor=2>; rel=next")
                        .end(treePage("a.txt"));
            } else {
                request.response().end(treePage("b.txt"));
            }
        };

        // When
        List<HubFile> files = client.listFiles(REF, SHA).await().atMost(WAIT);

        // Then
        assertThat(files).extracting(HubFile::path).containsExactly("a.txt", "b.txt");
    }

    @Test
    void refusesMalformedAnswers() {
        // Given
        handler = request -> request.response().end(request.path().contains("/revision/") ? "{\"sha\":\"main\"}"
                : "[{\"type\":\"file\",\"path\":\"x\",\"size\":-1,\"oid\":\"" + OID + "\"}]");

        // When
        HubException badSha = failure(client.resolveCommit(REF));
        HubException badSize = failure(client.listFiles(REF, SHA));
        handler = request -> request.response().end("<html>maintenance</html>");
        HubException notJson = failure(client.resolveCommit(REF));

        // Then
        assertThat(badSha.reason()).isEqualTo(Reason.HUB_PROTOCOL);
        assertThat(badSha.getMessage()).contains("sha");
        assertThat(badSize.reason()).isEqualTo(Reason.HUB_PROTOCOL);
        assertThat(badSize.getMessage()).contains("size");
        assertThat(notJson.reason()).isEqualTo(Reason.HUB_PROTOCOL);
    }

    @Test
    void refusesRedirectsToOtherSchemesAndSaysNothingOfTheirQuery() {
        // Given
        handler = request -> request.response().setStatusCode(302)
                .putHeader("Location", "ftp://127.0.0.1/f.bin?X-Amz-Signature=secret").end();

        // When
        HubException e = failure(client.download(REF, SHA, file(10), 0, 10).collect().last());

        // Then
        assertThat(e.reason()).isEqualTo(Reason.REDIRECT_REFUSED);
        assertThat(e.getMessage()).doesNotContain("secret");
    }

    @Test
    void sendsTheTokenOnlyToTheHubsOwnOrigin() {
        // Given: the Hub redirects to itself on another port (like the simulator's CDN)
        byte[] content = content(10);
        List<String> authorization = new CopyOnWriteArrayList<>();
        HttpServer other = vertx.createHttpServer().requestHandler(request -> {
            authorization.add(String.valueOf(request.getHeader("Authorization")));
            request.response().setStatusCode(206).putHeader("Content-Range", "bytes 0-9/10")
                    .end(Buffer.buffer(content));
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
        handler = request -> {
            authorization.add(String.valueOf(request.getHeader("Authorization")));
            request.response().setStatusCode(302)
                    .putHeader("Location", "http://127.0.0.1:" + other.actualPort() + "/cdn/f.bin?sig=1").end();
        };

        // When
        byte[] bytes;
        try (VertxHubClient withToken = client(Map.of("mirror.hub.token", "hf_secret_token_123"))) {
            bytes = download(withToken, 0, 10, 10);
        } finally {
            other.close();
        }

        // Then
        assertThat(bytes).isEqualTo(content);
        assertThat(authorization).containsExactly("Bearer hf_secret_token_123", "null");
    }

    @Test
    void givesUpWithHubConnectionWhenNoResponseComes() {
        // Given: the server accepts but never answers
        handler = request -> {
        };

        // When
        HubException e;
        try (VertxHubClient impatient = client(Map.of("mirror.hub.idle-timeout", "200ms"))) {
            e = failure(impatient.resolveCommit(REF));
        }

        // Then
        assertThat(e.reason()).isEqualTo(Reason.HUB_CONNECTION);
        assertThat(e.getMessage()).contains("idle timeout").contains("gave up after 2 attempts");
        assertThat(RANGES).hasSize(2);
    }

    @Test
    void givesUpWithHubConnectionWhenNothingListens() {
        // Given: a port nothing listens on
        int closedPort;
        HttpServer temporary = vertx.createHttpServer().requestHandler(r -> r.response().end())
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join();
        closedPort = temporary.actualPort();
        temporary.close().toCompletionStage().toCompletableFuture().join();

        // When
        HubException e;
        try (VertxHubClient nowhere = client(Map.of("mirror.hub.endpoint", "http://127.0.0.1:" + closedPort))) {
            e = failure(nowhere.resolveCommit(REF));
        }

        // Then
        assertThat(e.reason()).isEqualTo(Reason.HUB_CONNECTION);
        assertThat(e.getMessage()).contains("127.0.0.1:" + closedPort).contains("model org/m revision 'main'");
    }

    // ---- helpers

    private static byte[] content(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 31 + i / 251);
        }
        return bytes;
    }

    private static long rangeStart(HttpServerRequest request) {
        String range = request.getHeader("Range");
        return Long.parseLong(range.substring("bytes=".length(), range.indexOf('-')));
    }

    private static HubFile file(long size) {
        return new HubFile("f.bin", size, OID, Optional.empty());
    }

    private static String treePage(String path) {
        return "[{\"type\":\"directory\",\"path\":\"d\",\"oid\":\"" + OID + "\",\"size\":0},"
                + "{\"type\":\"file\",\"path\":\"" + path + "\",\"oid\":\"" + OID + "\",\"size\":3}]";
    }

    private static byte[] download(VertxHubClient client, long offset, long length, long size) {
        return client.download(REF, SHA, file(size), offset, length)
                .collect().in(ByteArrayOutputStream::new, (out, b) -> {
                    byte[] chunk = new byte[b.remaining()];
                    b.get(chunk);
                    out.write(chunk, 0, chunk.length);
                }).await().atMost(WAIT).toByteArray();
    }

    private static HubException failure(Uni<?> uni) {
        return catchThrowableOfType(HubException.class, () -> uni.await().atMost(WAIT));
    }

    private VertxHubClient client(Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>();
        values.put("mirror.hub.endpoint", "http://127.0.0.1:" + server.actualPort());
        values.put("mirror.hub.max-attempts", "2");
        values.put("mirror.hub.initial-backoff", "1ms");
        values.put("mirror.hub.max-backoff", "5ms");
        values.put("mirror.hub.idle-timeout", "5s");
        values.put("mirror.hub.allow-private-redirects", "true");
        values.putAll(overrides);
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder().withMapping(HubConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter());
        values.forEach(builder::withDefaultValue);
        return new VertxHubClient(vertx, builder.build().getConfigMapping(HubConfig.class));
    }
}
