package dev.hubmirror.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpMethod;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.NetServer;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link NettyHttpClient} against a scripted Vert.x server on loopback: pooling, queueing, bodies, ends. */
class NettyHttpClientTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private static Vertx serverVertx;
    private static Vertx clientVertx;
    private static HttpServer server;
    private static volatile Handler<HttpServerRequest> handler;
    private static final Set<HttpConnection> CONNECTIONS = ConcurrentHashMap.newKeySet();
    private static final Set<HttpConnection> CLOSED = ConcurrentHashMap.newKeySet();
    private static final Map<String, HttpConnection> SERVED = new ConcurrentHashMap<>();
    private static final List<String> ARRIVALS = new CopyOnWriteArrayList<>();

    private NettyHttpClient client;

    @BeforeAll
    static void start() {
        serverVertx = Vertx.vertx();
        clientVertx = Vertx.vertx();
        server = serverVertx.createHttpServer().connectionHandler(c -> {
            CONNECTIONS.add(c);
            c.closeHandler(v -> CLOSED.add(c));
        }).requestHandler(request -> {
            ARRIVALS.add(request.path());
            SERVED.put(request.path(), request.connection());
            handler.handle(request);
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    @AfterAll
    static void stop() {
        clientVertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
        serverVertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    @BeforeEach
    void reset() {
        CONNECTIONS.clear();
        CLOSED.clear();
        SERVED.clear();
        ARRIVALS.clear();
        handler = request -> request.response().end("ok " + request.path());
        client = client(4, 100, Duration.ofSeconds(30));
    }

    @AfterEach
    void closeClient() {
        client.close();
    }

    @Test
    void reusesAKeptAliveConnectionForTheNextRequest() {
        // When
        String first = text(client, "/a");
        String second = text(client, "/b");

        // Then
        assertThat(first).isEqualTo("ok /a");
        assertThat(second).isEqualTo("ok /b");
        assertThat(CONNECTIONS).hasSize(1);
        assertThat(client.openConnections(origin())).isEqualTo(1);
        assertThat(client.idleConnections(origin())).isEqualTo(1);
    }

    @Test
    void opensAtMostTheMaximumAndServesTheWaitingRequestsInOrder() {
        // Given: the server holds every response until the test lets it go
        List<HttpServerRequest> held = new CopyOnWriteArrayList<>();
        handler = held::add;
        NettyHttpClient two = client(2, 10, Duration.ofSeconds(30));
        List<Uni<String>> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            calls.add(two.exchange(Request.get(url("/" + i)), head -> BodyReader.aggregate(1024, IllegalStateException::new)
                    .map(b -> new String(b, StandardCharsets.UTF_8))).memoize().indefinitely());
        }

        // When: all five are sent; the server answers whatever it holds, one by one
        calls.forEach(c -> c.subscribe().with(ok -> {
        }, failure -> {
        }));
        Awaitility.await().atMost(WAIT).until(() -> held.size() == 2);
        assertThat(two.openConnections(origin())).isEqualTo(2);
        int answered = 0;
        while (answered < 5) {
            int index = answered;
            Awaitility.await().atMost(WAIT).until(() -> held.size() > index);
            held.get(index).response().end("done " + held.get(index).path());
            answered++;
        }

        // Then: never more than two connections, and the waiting requests went out in the order they came
        List<String> bodies = calls.stream().map(c -> c.await().atMost(WAIT)).toList();
        assertThat(bodies).containsExactly("done /0", "done /1", "done /2", "done /3", "done /4");
        assertThat(CONNECTIONS).hasSize(2);
        assertThat(ARRIVALS.subList(2, 5)).containsExactly("/2", "/3", "/4");
        two.close();
    }

    @Test
    void failsAtOnceWhenTheWaitQueueIsFull() {
        // Given: one connection, one waiting place, a server that holds its response
        List<HttpServerRequest> held = new CopyOnWriteArrayList<>();
        handler = held::add;
        NettyHttpClient small = client(1, 1, Duration.ofSeconds(30));
        Cancellable first = text(small, "/1", ok -> {
        });
        Awaitility.await().atMost(WAIT).until(() -> held.size() == 1);
        Cancellable second = text(small, "/2", ok -> {
        });

        // When
        HttpFailure e = httpFailure(() -> small.exchange(Request.get(url("/3")),
                head -> BodyReader.discard(0, () -> "")).await().atMost(WAIT));

        // Then
        assertThat(e.kind()).isEqualTo(HttpFailure.Kind.QUEUE_FULL);
        assertThat(e.getMessage()).contains("1 requests are already waiting").contains(origin().toString());
        first.cancel();
        second.cancel();
        small.close();
    }

    @Test
    void closesAnIdleConnectionAfterItsTimeout() {
        // Given
        NettyHttpClient brief = client(4, 10, Duration.ofMillis(200));

        // When
        assertThat(text(brief, "/a")).isEqualTo("ok /a");

        // Then
        Awaitility.await().atMost(WAIT).until(() -> CLOSED.contains(SERVED.get("/a")));
        assertThat(brief.openConnections(origin())).isZero();
        assertThat(brief.idleConnections(origin())).isZero();
        brief.close();
    }

    @Test
    void cancellingAnExchangeClosesItsConnectionAndAWaitingOneNeverGoesOut() {
        // Given: one connection, held by a response that never comes, and a second request waiting for it
        List<HttpServerRequest> held = new CopyOnWriteArrayList<>();
        handler = held::add;
        NettyHttpClient one = client(1, 10, Duration.ofSeconds(30));
        Cancellable sent = text(one, "/sent", ok -> {
        });
        Awaitility.await().atMost(WAIT).until(() -> held.size() == 1);
        Cancellable waiting = text(one, "/waiting", ok -> {
        });

        // When
        waiting.cancel();
        sent.cancel();

        // Then
        Awaitility.await().atMost(WAIT).until(() -> CLOSED.contains(SERVED.get("/sent")));
        Awaitility.await().atMost(WAIT).until(() -> one.openConnections(origin()) == 0);
        handler = request -> request.response().end("ok " + request.path());
        assertThat(text(one, "/after")).isEqualTo("ok /after");
        assertThat(ARRIVALS).containsExactly("/sent", "/after");
        one.close();
    }

    @Test
    void aggregatesASmallBodyAndRefusesOneOverTheBound() {
        // Given
        handler = request -> request.response().end(Buffer.buffer(new byte[10_000]));

        // When
        byte[] fits = client.exchange(Request.get(url("/fits")),
                head -> BodyReader.aggregate(10_000, IllegalStateException::new)).await().atMost(WAIT);
        IllegalStateException tooLarge = catchThrowableOfType(IllegalStateException.class,
                () -> client.exchange(Request.get(url("/large")), head -> BodyReader.aggregate(9_999,
                        () -> new IllegalStateException("over the bound"))).await().atMost(WAIT));

        // Then: the refused body closed its connection
        assertThat(fits).hasSize(10_000);
        assertThat(tooLarge).hasMessage("over the bound");
        Awaitility.await().atMost(WAIT).until(() -> CLOSED.contains(SERVED.get("/large")));
    }

    @Test
    void endsAnExchangeWhoseHeadNeverComesByTheIdleTimeout() {
        // Given
        handler = request -> {
        };
        NettyHttpClient impatient = new NettyHttpClient(clientVertx, new HttpSettings(2, 10, Duration.ofSeconds(2),
                Duration.ofMillis(200), 0, Duration.ofSeconds(60), Duration.ofSeconds(30), "test", List.of(),
                ProxySettings.NONE));

        // When
        HttpFailure e = httpFailure(() -> impatient.exchange(Request.get(url("/slow")),
                head -> BodyReader.discard(0, () -> "")).await().atMost(WAIT));

        // Then
        assertThat(e.kind()).isEqualTo(HttpFailure.Kind.IDLE);
        assertThat(e.headReceived()).isFalse();
        assertThat(e.getMessage()).contains("no byte for 200 ms").contains("before the response head");
        impatient.close();
    }

    @Test
    void sendsARequestBodyFromABufferTheCallerKeeps() {
        // Given: a server that answers with what it received
        handler = request -> request.body().onSuccess(body -> request.response()
                .end(request.method() + " " + request.getHeader("Content-Length") + " " + body.toString()));
        ByteBuffer kept = ByteBuffer.allocateDirect(11).put("hello world".getBytes(StandardCharsets.UTF_8)).flip();

        // When
        ByteBuf body = Unpooled.wrappedBuffer(kept.duplicate());
        String echoed = new String(client.exchange(Request.of(HttpMethod.PUT, url("/upload")).body(body),
                head -> BodyReader.aggregate(1024, IllegalStateException::new)).await().atMost(WAIT),
                StandardCharsets.UTF_8);
        String empty = new String(client.exchange(Request.of(HttpMethod.POST, url("/upload")),
                head -> BodyReader.aggregate(1024, IllegalStateException::new)).await().atMost(WAIT),
                StandardCharsets.UTF_8);

        // Then: the body went out whole with its length, the client released its wrapper, the caller's bytes are
        // untouched; a POST without a body says so
        assertThat(echoed).isEqualTo("PUT 11 hello world");
        assertThat(empty).isEqualTo("POST 0 ");
        assertThat(body.refCnt()).isZero();
        assertThat(kept.remaining()).isEqualTo(11);
    }

    @Test
    void sendsOnceMoreOnANewConnectionWhenAPooledOneWasClosedByTheServer() throws Exception {
        // Given: a raw server that answers the first request of a connection and closes it at the second, unanswered
        NetServer raw = serverVertx.createNetServer().connectHandler(socket -> {
            int[] requests = {0};
            StringBuilder seen = new StringBuilder();
            socket.handler(data -> {
                seen.append(data.toString(StandardCharsets.ISO_8859_1));
                while (seen.indexOf("\r\n\r\n") >= 0) {
                    seen.delete(0, seen.indexOf("\r\n\r\n") + 4);
                    if (++requests[0] == 1) {
                        socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                    } else {
                        socket.close();
                    }
                }
            });
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        URI base = URI.create("http://127.0.0.1:" + raw.actualPort());

        // When: the second request goes out on the pooled connection, which the server closes
        String first = new String(client.exchange(Request.get(base.resolve("/1")),
                head -> BodyReader.aggregate(10, IllegalStateException::new)).await().atMost(WAIT),
                StandardCharsets.UTF_8);
        String second = new String(client.exchange(Request.get(base.resolve("/2")),
                head -> BodyReader.aggregate(10, IllegalStateException::new)).await().atMost(WAIT),
                StandardCharsets.UTF_8);

        // Then
        assertThat(first).isEqualTo("ok");
        assertThat(second).isEqualTo("ok");
        raw.close();
    }

    @Test
    void failsWithConnectWhenNothingListens() throws Exception {
        // Given
        NetServer temporary = serverVertx.createNetServer().connectHandler(s -> s.close()).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        int port = temporary.actualPort();
        temporary.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

        // When
        HttpFailure e = httpFailure(() -> client.exchange(
                Request.get(URI.create("http://127.0.0.1:" + port + "/")), head -> BodyReader.discard(0, () -> ""))
                .await().atMost(WAIT));

        // Then
        assertThat(e.kind()).isEqualTo(HttpFailure.Kind.CONNECT);
        assertThat(e.getMessage()).contains("127.0.0.1:" + port);
        assertThat(client.openConnections(new HttpOrigin("http", "127.0.0.1", port))).isZero();
    }

    @Test
    void aPausedBodyIsNotReadAndResumesWithEveryByteInOrderEvenAfterSeveralIdleTimeouts() {
        // Given: a 4 MiB body, and a client whose idle timeout is 300 ms
        byte[] sent = new byte[4 << 20];
        new java.util.Random(7).nextBytes(sent);
        handler = request -> request.response().end(Buffer.buffer(sent));
        NettyHttpClient impatient = new NettyHttpClient(clientVertx, new HttpSettings(1, 10, Duration.ofSeconds(2),
                Duration.ofMillis(300), 1, Duration.ofMillis(400), Duration.ofSeconds(30), "test", List.of(),
                ProxySettings.NONE));
        java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
        int[] pauses = {0};

        // When: the reader takes at most 256 KiB, then pauses; a timer resumes it a second later (three idle timeouts)
        BodyReader<byte[]> reader = new BodyReader<>() {
            private ReadFlow flow;
            private int taken;

            @Override
            public void flow(ReadFlow f) {
                flow = f;
            }

            @Override
            public boolean onContent(ByteBuf chunk) {
                int n = Math.min(chunk.readableBytes(), (256 << 10) - taken);
                byte[] copy = new byte[n];
                chunk.readBytes(copy);
                received.writeBytes(copy);
                taken += n;
                if (taken == 256 << 10) {
                    taken = 0;
                    pauses[0]++;
                    flow.pause();
                    long delay = pauses[0] == 1 ? 1000 : 1;
                    clientVertx.setTimer(delay, id -> flow.resume());
                }
                return true;
            }

            @Override
            public byte[] end() {
                return received.toByteArray();
            }
        };
        byte[] body = impatient.exchange(Request.get(url("/big")), head -> reader).await().atMost(WAIT);

        // Then: nothing was lost, duplicated or reordered, the pauses did not count as silence, and the connection
        // (read to its end) went back to the pool with reading switched on again
        assertThat(body).isEqualTo(sent);
        assertThat(pauses[0]).isEqualTo(16);
        assertThat(impatient.idleConnections(origin())).isEqualTo(1);
        assertThat(impatient.exchange(Request.get(url("/big")), head -> BodyReader.aggregate(8 << 20,
                IllegalStateException::new)).await().atMost(WAIT)).isEqualTo(sent);
        impatient.close();
    }

    @Test
    void sendsABodyLargerThanASliceWholeAndReleasesItsWrapperOnce() {
        // Given: a server that answers with the sha256 of what it received
        handler = request -> request.body().onSuccess(body -> request.response().end(request.getHeader(
                "Content-Length") + " " + sha256(body.getBytes())));
        byte[] bytes = new byte[Exchange.SLICE * 5 + 123];
        new java.util.Random(11).nextBytes(bytes);
        ByteBuffer kept = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        ByteBuf wrapper = Unpooled.wrappedBuffer(kept.asReadOnlyBuffer());

        // When
        String answer = new String(client.exchange(Request.of(HttpMethod.PATCH, url("/upload")).body(wrapper),
                head -> BodyReader.aggregate(1024, IllegalStateException::new)).await().atMost(WAIT),
                StandardCharsets.UTF_8);

        // Then: every byte arrived with the announced length; the wrapper was released, the caller's bytes untouched
        assertThat(answer).isEqualTo(bytes.length + " " + sha256(bytes));
        assertThat(wrapper.refCnt()).isZero();
        assertThat(kept.remaining()).isEqualTo(bytes.length);
    }

    @Test
    void answersAHeadRequestWithoutWaitingForABody() {
        // Given: a server that announces a length for HEAD but sends no body (as HTTP says)
        handler = request -> {
            if (request.method() == io.vertx.core.http.HttpMethod.HEAD) {
                request.response().putHeader("Content-Length", "12345").end();
            } else {
                request.response().end("ok " + request.path());
            }
        };

        // When
        String length = client.exchange(Request.of(HttpMethod.HEAD, url("/blob")), head -> BodyReader.discard(0,
                () -> head.header("Content-Length"))).await().atMost(WAIT);
        String after = text(client, "/next");

        // Then: the exchange ended at the head and the connection serves the next request
        assertThat(length).isEqualTo("12345");
        assertThat(after).isEqualTo("ok /next");
        assertThat(CONNECTIONS).hasSize(1);
    }

    @Test
    void sendsHostAndUserAgentBesidesTheCallersOwnHeaders() {
        // Given: a server that answers with the headers it got
        handler = request -> request.response().end(request.getHeader("Host") + "|" + request.getHeader("User-Agent")
                + "|" + request.getHeader("Accept"));

        // When: a request that sets a header of its own
        String seen = new String(client.exchange(Request.get(url("/h")).header("Accept", "text/plain"),
                head -> BodyReader.aggregate(1024, IllegalStateException::new)).await().atMost(WAIT),
                StandardCharsets.UTF_8);

        // Then: the caller's header did not replace the client's own (HTTP/1.1 requires Host)
        assertThat(seen).isEqualTo("127.0.0.1:" + server.actualPort() + "|test|text/plain");
    }

    private static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- helpers

    /** The HttpFailure an await threw (Mutiny wraps checked exceptions in a CompletionException). */
    private static HttpFailure httpFailure(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        CompletionException e = catchThrowableOfType(CompletionException.class, call);
        assertThat(e).isNotNull().hasCauseInstanceOf(HttpFailure.class);
        return (HttpFailure) e.getCause();
    }

    private static NettyHttpClient client(int connections, int waiting, Duration idleConnection) {
        return new NettyHttpClient(clientVertx, new HttpSettings(connections, waiting, Duration.ofSeconds(2),
                Duration.ofSeconds(10), 0, Duration.ofSeconds(60), idleConnection, "test", List.of(), ProxySettings.NONE));
    }

    private static HttpOrigin origin() {
        return new HttpOrigin("http", "127.0.0.1", server.actualPort());
    }

    private static URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.actualPort() + path);
    }

    private static String text(NettyHttpClient client, String path) {
        return textUni(client, path).await().atMost(WAIT);
    }

    private static Cancellable text(NettyHttpClient client, String path, java.util.function.Consumer<String> then) {
        return textUni(client, path).subscribe().with(then, failure -> {
        });
    }

    private static Uni<String> textUni(NettyHttpClient client, String path) {
        return client.exchange(Request.get(url(path)), head -> BodyReader.aggregate(1 << 20,
                IllegalStateException::new)).map(b -> new String(b, StandardCharsets.UTF_8));
    }
}
