package dev.hubmirror.sim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;

/**
 * An independent HTTP/1.1 client for the simulator's tests ({@code java.net.http}, no redirects followed), with
 * the few helpers the tests share.
 */
final class SimHttp {

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();

    /** A response read whole, or cut short: {@code error} says why the body ended early. */
    record Read(HttpResponse<InputStream> response, byte[] body, IOException error) {
        int status() {
            return response.statusCode();
        }

        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonObject json() {
            return new JsonObject(text());
        }

        JsonArray jsonArray() {
            return new JsonArray(text());
        }
    }

    Read get(String url, String... headers) {
        return send("GET", url, headers);
    }

    Read head(String url, String... headers) {
        return send("HEAD", url, headers);
    }

    Read send(String method, String url, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                .method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<InputStream> r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            IOException error = null;
            try (InputStream in = r.body()) {
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                error = e;
            }
            return new Read(r, out.toByteArray(), error);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends a POST with a JSON body. */
    int post(String url, String json) {
        try {
            return client.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(json))
                    .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Streams a GET body into a digest without keeping it; returns the hex digest and the byte count. */
    String[] digest(String url, String algorithm, String gitBlobHeader) {
        try {
            HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            MessageDigest d = MessageDigest.getInstance(algorithm);
            if (gitBlobHeader != null) {
                d.update(gitBlobHeader.getBytes(StandardCharsets.US_ASCII));
            }
            long count = 0;
            try (InputStream in = r.body()) {
                byte[] buf = new byte[256 * 1024];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    d.update(buf, 0, n);
                    count += n;
                }
            }
            return new String[] {HexFormat.of().formatHex(d.digest()), String.valueOf(count)};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(SimContent.digest("SHA-256").digest(bytes));
    }
}
