package dev.hubmirror.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * The REST API of a service running as a child process ({@link ServiceProcess}), for ITs. Every HTTP call goes through
 * {@link #send}, the one place that adds what every request needs (the tests' submit key as
 * {@code Authorization}; {@link ServiceProcess} configures it).
 */
public final class ServiceApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String baseUrl;

    private ServiceApi(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    /** The API of a running service. */
    public static ServiceApi of(ServiceProcess service) {
        return new ServiceApi(service.url());
    }

    /** Sends a request to {@code path} (e.g. {@code /v1/jobs}) of the service; the one place requests go out. */
    public HttpResponse<String> send(String path, HttpRequest.Builder request) throws IOException {
        try {
            return HTTP.send(request.uri(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30))
                    .header("Authorization", ApiKeys.bearer(ApiKeys.SUBMIT)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while calling " + path, e);
        }
    }

    /** POSTs a mirror request ({@code /v1/mirrors}, a JSON body) and returns the id of its first job; expects 202. */
    public String submit(String mirrorRequestJson) {
        try {
            HttpResponse<String> response = send("/v1/mirrors", HttpRequest.newBuilder()
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(mirrorRequestJson)));
            if (response.statusCode() != 202) {
                throw new AssertionError("POST /v1/mirrors answered " + response.statusCode() + ": "
                        + response.body());
            }
            return JSON.readTree(response.body()).get("jobs").get(0).get("id").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** GETs a path and returns its JSON when the answer is 200; empty on any other answer or no connection. */
    public Optional<JsonNode> get(String path) {
        try {
            HttpResponse<String> response = send(path, HttpRequest.newBuilder().GET());
            return response.statusCode() == 200 ? Optional.of(JSON.readTree(response.body())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The job's JSON ({@code GET /v1/jobs/{id}}), or empty. */
    public Optional<JsonNode> job(String id) {
        return get("/v1/jobs/" + id);
    }
}
