package dev.hubmirror.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hubmirror.config.HubConfig;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.memory.BufferPool;
import dev.hubmirror.memory.BufferScope;
import dev.hubmirror.memory.PooledBuffer;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link NettyHubClient} against a small scripted server on loopback that misbehaves in ways the Hub simulator does
 * not: stalls mid-body, sends more than it announced, ignores Range, paginates to another host or in a loop, answers
 * malformed JSON or nothing at all.
 */
class NettyHubClientMisbehavingServerTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String SHA = "0123456789abcdef0123456789abcdef01234567";
    private static final String OID = "89abcdef0123456789abcdef0123456789abcdef";
    private static final RepoRef REF = RepoRef.model("org/m", "main");
    private static final String FILE_PATH = "/org/m/resolve/" + SHA + "/f.bin";

    private static Vertx vertx;
    private static HttpServer server;
    private static volatile Handler<HttpServerRequest> handler;
    private static final List<String> RANGES = new CopyOnWriteArrayList<>();
    private static final BufferPool POOL = new BufferPool(16L << 20);

    private NettyHubClient client;

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
        // every fetch above released its buffer, whatever its outcome
        assertThat(POOL.inUse()).isZero();
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
        try (NettyHubClient impatient = client(Map.of("mirror.hub.idle-timeout", "300ms",
                "mirror.hub.max-attempts", "4"))) {
            bytes = download(impatient, 0, content.length, content.length);
        }

        // Then: (a slow first response head may have cost one more attempt from byte 0)
        assertThat(bytes).isEqualTo(content);
        assertThat(RANGES).last().isEqualTo(FILE_PATH + " bytes=30000-99999");
        assertThat(RANGES).allMatch(r -> r.endsWith("bytes=0-99999") || r.endsWith("bytes=30000-99999"));
    }

    @Test
    void failsWithoutWritingBytesBeyondTheAnnouncedRange() {
        // Given: Content-Range announces 100 bytes, the chunked body carries 150
        byte[] content = content(150);
        handler = request -> {
            request.response().setStatusCode(206).setChunked(true)
                    .putHeader("Content-Range", "bytes 0-99/100");
            request.response().write(Buffer.buffer(Arrays.copyOfRange(content, 0, 100)));
            vertx.setTimer(20, id -> request.response().end(Buffer.buffer(Arrays.copyOfRange(content, 100, 150))));
        };
        BufferScope scope = new BufferScope("test");
        PooledBuffer buffer = POOL.acquire(100, scope).await().atMost(WAIT);

        // When
        HubException e = failure(client.fetch(REF, SHA, file(100), 0, buffer));

        // Then: the 100 announced bytes are in, the 50 extra ones are not
        assertThat(e.reason()).isEqualTo(Reason.SIZE_MISMATCH);
        assertThat(buffer.written()).isEqualTo(100);
        assertThat(copy(buffer)).isEqualTo(Arrays.copyOf(content, 100));
        scope.close();
    }

    @Test
    void endsATricklingBodyByTheMinimumRateAndResumesFromTheBytesAlreadyWritten() {
        // Given: every response sends its head at once, then one byte every 100 ms: never idle, far below 1 KiB/s
        byte[] content = content(1000);
        handler = request -> {
            long from = rangeStart(request);
            HttpServerResponse response = request.response().setStatusCode(206)
                    .putHeader("Content-Range", "bytes " + from + "-999/1000")
                    .putHeader("Content-Length", String.valueOf(1000 - from));
            response.writeHead();
            long[] at = {from};
            long timer = vertx.setPeriodic(100, id -> {
                if (at[0] < content.length) {
                    response.write(Buffer.buffer(new byte[] {content[(int) at[0]++]}));
                }
            });
            request.connection().closeHandler(v -> vertx.cancelTimer(timer));
        };
        BufferScope scope = new BufferScope("test");
        PooledBuffer buffer = POOL.acquire(1000, scope).await().atMost(WAIT);

        // When: a minimum of 1 KiB/s over 1 s, 3 attempts
        HubException e;
        try (NettyHubClient strict = client(Map.of("mirror.hub.min-rate", "1K", "mirror.hub.min-rate-window", "1s",
                "mirror.hub.max-attempts", "3"))) {
            e = failure(strict.fetch(REF, SHA, file(1000), 0, buffer));
        }

        // Then: each attempt was ended by the rule and the next asked for what was still missing; although every
        // attempt delivered bytes, the fetch ran out of attempts
        assertThat(e.reason()).isEqualTo(Reason.HUB_CONNECTION);
        assertThat(e.retriable()).isTrue();
        assertThat(e.getMessage()).contains("mirror.hub.min-rate").contains("gave up after 3 attempts");
        List<Long> starts = RANGES.stream().map(r -> Long.parseLong(r.substring(r.indexOf("bytes=") + 6,
                r.indexOf('-', r.indexOf("bytes="))))).toList();
        assertThat(starts).hasSize(3).isSorted().doesNotHaveDuplicates().startsWith(0L);
        assertThat(starts.get(2)).isLessThanOrEqualTo(buffer.written());
        assertThat(copy(buffer)).isEqualTo(Arrays.copyOf(content, (int) buffer.written()));
        scope.close();
    }

    @Test
    void aCancelledFetchWritesNothingMoreAndLeavesThePoolEmptyOnceTheCallerReleased() {
        // Given: a server that streams a 64 MiB body in 64 KiB chunks every 5 ms, and a buffer for all of it
        int size = 64 << 20;
        byte[] chunk = content(64 << 10);
        AtomicBoolean closed = new AtomicBoolean();
        handler = request -> {
            HttpServerResponse response = request.response().setStatusCode(206)
                    .putHeader("Content-Range", "bytes 0-" + (size - 1) + "/" + size)
                    .putHeader("Content-Length", String.valueOf(size));
            long[] sent = {0};
            long timer = vertx.setPeriodic(5, id -> {
                if (sent[0] < size && !response.writeQueueFull()) {
                    response.write(Buffer.buffer(chunk));
                    sent[0] += chunk.length;
                }
            });
            request.connection().closeHandler(v -> {
                vertx.cancelTimer(timer);
                closed.set(true);
            });
        };
        BufferPool pool = new BufferPool(size);
        BufferScope scope = new BufferScope("test");
        PooledBuffer buffer = pool.acquire(size, scope).await().atMost(WAIT);

        // When: the fetch is cancelled while chunks keep arriving
        Cancellable fetching = client.fetch(REF, SHA, file(size), 0, buffer).subscribe().with(done -> {
        }, failure -> {
        });
        Awaitility.await().atMost(WAIT).until(() -> buffer.written() >= 1 << 20);
        fetching.cancel();
        long atCancel = buffer.written();
        Awaitility.await().atMost(WAIT).until(closed::get);

        // Then: not one byte more reached the buffer, its owner can still write, and releasing it empties the pool
        assertThat(buffer.written()).isEqualTo(atCancel).isLessThan(size);
        assertThat(buffer.writer().write(ByteBuffer.wrap(new byte[] {1}))).isEqualTo(1);
        assertThat(buffer.release()).isTrue();
        assertThat(pool.inUse()).isZero();
        assertThat(pool.liveBuffers()).isZero();
        assertThat(scope.closeAndCount()).isZero();
    }

    @Test
    void refusesAFullBodyForAPartialRange() {
        // Given
        handler = request -> request.response().setStatusCode(200).end(Buffer.buffer(content(1000)));

        // When
        HubException e = failure(fetch(client, 10, 20, 1000));

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
        HubException e = failure(fetch(client, 0, 10, 10));

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
        try (NettyHubClient withToken = client(Map.of("mirror.hub.token", "hf_secret_token_123"))) {
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
        try (NettyHubClient impatient = client(Map.of("mirror.hub.idle-timeout", "200ms"))) {
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
        try (NettyHubClient nowhere = client(Map.of("mirror.hub.endpoint", "http://127.0.0.1:" + closedPort))) {
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

    private static byte[] download(NettyHubClient client, long offset, long length, long size) {
        return bytes(client, offset, length, size).await().atMost(WAIT);
    }

    /** Fetches into a buffer of the test pool and copies it out, releasing the buffer either way. */
    private static Uni<byte[]> bytes(NettyHubClient client, long offset, long length, long size) {
        return Uni.createFrom().deferred(() -> {
            BufferScope scope = new BufferScope("test");
            return POOL.acquire(length, scope).chain(buffer -> client.fetch(REF, SHA, file(size), offset, buffer)
                    .map(done -> copy(buffer))).eventually(scope::close);
        });
    }

    private static Uni<Void> fetch(NettyHubClient client, long offset, long length, long size) {
        return bytes(client, offset, length, size).replaceWithVoid();
    }

    private static byte[] copy(PooledBuffer buffer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuffer view : buffer.content()) {
            byte[] chunk = new byte[view.remaining()];
            view.get(chunk);
            out.write(chunk, 0, chunk.length);
        }
        return out.toByteArray();
    }

    private static HubException failure(Uni<?> uni) {
        return catchThrowableOfType(HubException.class, () -> uni.await().atMost(WAIT));
    }

    private NettyHubClient client(Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>();
        values.put("mirror.hub.endpoint", "http://127.0.0.1:" + server.actualPort());
        values.put("mirror.hub.max-attempts", "2");
        values.put("mirror.hub.initial-backoff", "1ms");
        values.put("mirror.hub.max-backoff", "5ms");
        values.put("mirror.hub.idle-timeout", "5s");
        values.put("mirror.hub.allow-private-redirects", "true");
        values.putAll(overrides);
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder().withMapping(HubConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withConverter(MemorySize.class, 200, new MemorySizeConverter());
        values.forEach(builder::withDefaultValue);
        return new NettyHubClient(vertx, builder.build().getConfigMapping(HubConfig.class));
    }
}
