package dev.hubmirror.registry;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.http.BodyReader;
import dev.hubmirror.http.NettyHttpClient;
import dev.hubmirror.http.ResponseHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpMethod;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OCI distribution protocol on the service's own streaming HTTP client ({@link NettyHttpClient}, on the Vert.x
 * event loops; nothing is shelled out): manifests, blobs, uploads, for any number of registries, each with its
 * credentials ({@link RegistryCredentials}) and its own authentication state ({@link RegistryExchange}: anonymous,
 * basic, or bearer tokens from the {@code WWW-Authenticate} challenge).
 *
 * <p>Operations that can be sent again safely (manifest GET/HEAD/PUT, blob HEAD, opening an upload, closing one) are
 * retried here ({@link RegistryRetries}); a blob download and a chunk upload are not (their resumption depends on
 * what was moved, which the caller knows: see {@link BlobCopy}). Create one per service and {@link #close()} it.
 */
public final class RegistryClient implements AutoCloseable {

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d{1,19})-(\\d{1,19})/(\\d{1,19}|\\*)");
    private static final Pattern UPLOAD_RANGE = Pattern.compile("(?:bytes=)?0-(\\d{1,19})");

    /** How an upload was opened: mounted from another repository (nothing to send), or a session to send to. */
    public record UploadStart(boolean mounted, URI location, long minChunk) {
    }

    /**
     * What the registry holds of an upload: {@code held} bytes (-1: it reported {@code 0-0}, which means 0 or 1 byte),
     * and where to send the rest.
     */
    public record UploadStatus(long held, URI location) {
    }

    /** Reads a blob's body that starts at byte {@code start} and has {@code length} bytes. */
    @FunctionalInterface
    public interface BlobSink {
        /** The reader of the body; {@code length} is what the server announced. */
        BodyReader<Void> open(long start, long length);
    }

    private final NettyHttpClient http;
    private final RegistrySettings settings;
    private final RegistryCredentials credentials;
    private final RegistryObserver observer;
    private final RegistryRetries retries;
    private final String target;
    private final ConcurrentHashMap<String, RegistryExchange> registries = new ConcurrentHashMap<>();

    /**
     * A client on {@code vertx}'s event loops.
     *
     * @param target the target registry host: trusted to be on the private network
     * @throws IllegalArgumentException when a setting is invalid (a trusted certificate that cannot be read)
     */
    public RegistryClient(Vertx vertx, RegistrySettings settings, RegistryCredentials credentials, String target,
            RegistryObserver observer) {
        this.http = new NettyHttpClient(vertx, settings.http());
        this.settings = settings;
        this.credentials = credentials;
        this.observer = observer;
        this.retries = new RegistryRetries(vertx, settings.retries(), observer);
        this.target = target == null ? "" : target.toLowerCase(java.util.Locale.ROOT);
    }

    /** The settings this client was made with. */
    public RegistrySettings settings() {
        return settings;
    }

    RegistryRetries retries() {
        return retries;
    }

    RegistryObserver observer() {
        return observer;
    }

    /** The exchange of {@code registry} (one per host, holding its authentication state). */
    RegistryExchange at(String registry) {
        return registries.computeIfAbsent(registry, r -> new RegistryExchange(http, r, settings.base(r),
                credentials.forRegistry(r), settings, observer, retries, trusted(r)));
    }

    /** The exchange of a Helm repository at {@code base} (https, or http for a plain-http host). */
    RegistryExchange helmRepository(URI base) {
        String host = base.getRawAuthority().toLowerCase(java.util.Locale.ROOT);
        URI root = URI.create(base.getScheme().toLowerCase(java.util.Locale.ROOT) + "://" + host);
        return registries.computeIfAbsent("helm " + root, r -> new RegistryExchange(http, host, root,
                credentials.forRegistry(host), settings, observer, retries, trusted(host)));
    }

    private boolean trusted(String host) {
        return host.equals(target) || settings.privateHosts().contains(host);
    }

    static List<String> pull(String repository) {
        return List.of("repository:" + repository + ":pull");
    }

    static List<String> push(String repository) {
        return List.of("repository:" + repository + ":pull,push");
    }

    private static RegistryCall call(String what, String registry, String repository, boolean chart) {
        return new RegistryCall(what, registry, repository, chart);
    }

    // ---- manifests

    /**
     * The manifest {@code reference} (a tag or a digest) of {@code repository}, byte for byte, at most
     * {@code max-manifest-size} bytes; its digest checked against the reference when that is a digest, and against
     * the registry's {@code Docker-Content-Digest}.
     */
    public Uni<Manifest> manifest(String registry, String repository, String reference, boolean chart) {
        return manifest(registry, repository, reference, chart, false).map(Optional::get);
    }

    /** {@link #manifest}, or empty when the registry does not have it (404). */
    public Uni<Optional<Manifest>> manifestIfPresent(String registry, String repository, String reference) {
        return manifest(registry, repository, reference, false, true);
    }

    private Uni<Optional<Manifest>> manifest(String registry, String repository, String reference, boolean chart,
            boolean absentIsEmpty) {
        RegistryCall call = call("manifest " + reference, registry, repository, chart);
        RegistryExchange x = at(registry);
        int max = settings.maxManifestBytes();
        return retries.run(call, () -> x.send(call, RegistryExchange.Op.of(HttpMethod.GET,
                x.url(repository + "/manifests/" + reference), pull(repository))
                .header("Accept", MediaTypes.MANIFEST_ACCEPT).following()
                .accepting(s -> s >= 200 && s < 300 || absentIsEmpty && s == 404), head -> {
                    if (head.status() == 404) {
                        return BodyReader.discard(RegistryExchange.MAX_ERROR_BODY, () -> new Object[0]);
                    }
                    String length = head.header("Content-Length");
                    if (length != null && length.trim().matches("\\d{1,19}") && Long.parseLong(length.trim()) > max) {
                        throw tooLarge(call, length.trim(), max);
                    }
                    String type = head.header("Content-Type");
                    String announced = head.header("Docker-Content-Digest");
                    return BodyReader.aggregate(max, () -> tooLarge(call, "more than " + max, max))
                            .map(bytes -> new Object[] {bytes, type, announced});
                })).map(parts -> {
                    if (parts.length == 0) {
                        return Optional.<Manifest>empty();
                    }
                    byte[] bytes = (byte[]) parts[0];
                    Manifest m = Manifest.parse(bytes, (String) parts[1], call.describe());
                    String announced = (String) parts[2];
                    if (Digest.isValid(reference) && !m.digest().value().equals(reference)) {
                        throw digestMismatch(call, reference, m.digest());
                    }
                    if (announced != null && Digest.isValid(announced.trim())
                            && !announced.trim().equals(m.digest().value())) {
                        throw digestMismatch(call, announced.trim(), m.digest());
                    }
                    return Optional.of(m);
                });
    }

    private static RegistryException tooLarge(RegistryCall call, String size, int max) {
        return new RegistryException(Reason.MANIFEST_INVALID, 0, call.describe() + " is " + size + " bytes, larger "
                + "than mirror.registry.max-manifest-size (" + max + " bytes); nothing was written for it");
    }

    private static RegistryException digestMismatch(RegistryCall call, String expected, Digest actual) {
        return new RegistryException(Reason.CHECKSUM_MISMATCH, 0, call.describe() + " has the digest " + actual
                + ", not " + expected + ": the registry (or something in between) served other bytes; nothing was "
                + "written for it");
    }

    /**
     * Writes {@code manifest}'s exact bytes as {@code reference} (a tag or its digest) of {@code repository}; the
     * registry must answer with the same digest.
     */
    public Uni<Void> putManifest(String registry, String repository, String reference, Manifest manifest) {
        RegistryCall call = call("manifest " + reference + " (" + manifest.digest().shortHex() + ")", registry,
                repository, false);
        RegistryExchange x = at(registry);
        byte[] bytes = manifest.bytes();
        return retries.run(call, () -> x.send(call, RegistryExchange.Op.of(HttpMethod.PUT,
                x.url(repository + "/manifests/" + reference), push(repository))
                .header("Content-Type", manifest.mediaType()).body(() -> Unpooled.wrappedBuffer(bytes)), head -> {
                    String digest = head.header("Docker-Content-Digest");
                    if (digest != null && Digest.isValid(digest.trim())
                            && !digest.trim().equals(manifest.digest().value())) {
                        throw new RegistryException(Reason.REGISTRY_REJECTED, head.status(), call.describe()
                                + ": the registry stored it as " + digest.trim() + ", not " + manifest.digest()
                                + " (it rewrote the manifest): digests would not be preserved");
                    }
                    return BodyReader.discard(RegistryExchange.MAX_ERROR_BODY, () -> (Void) null);
                })).invoke(() -> observer.manifestPushed(registry));
    }

    // ---- blobs

    /** The size of blob {@code digest} in {@code repository}, or empty when the registry does not have it (HEAD). */
    public Uni<Optional<Long>> blobSize(String registry, String repository, Digest digest) {
        RegistryCall call = call("blob " + digest, registry, repository, false);
        RegistryExchange x = at(registry);
        return retries.run(call, () -> x.send(call, RegistryExchange.Op.of(HttpMethod.HEAD,
                x.url(repository + "/blobs/" + digest), pull(repository)).following()
                .accepting(s -> s == 200 || s == 404), head -> {
                    String length = head.header("Content-Length");
                    Optional<Long> size = head.status() == 404 ? Optional.empty()
                            : Optional.of(length != null && length.trim().matches("\\d{1,19}")
                                    ? Long.parseLong(length.trim()) : -1L);
                    return BodyReader.discard(0, () -> size);
                }));
    }

    /**
     * Downloads blob {@code digest} from byte {@code from} on (a {@code Range} request when {@code from > 0}),
     * following redirects to blob storage (credentials never go there), into {@code sink}. A server that ignores the
     * range (200) is read from byte 0 and the bytes before {@code from} are skipped. Not retried here.
     */
    public Uni<Void> blob(String registry, String repository, Digest digest, long from, long size, boolean chart,
            BlobSink sink) {
        RegistryCall call = call("blob " + digest, registry, repository, chart);
        RegistryExchange x = at(registry);
        RegistryExchange.Op op = RegistryExchange.Op.of(HttpMethod.GET, x.url(repository + "/blobs/" + digest),
                pull(repository)).following().accepting(s -> s == 200 || s == 206);
        if (from > 0) {
            op = op.header("Range", "bytes=" + from + "-");
        }
        return x.send(call, op, head -> open(call, head, from, size, sink));
    }

    private static BodyReader<Void> open(RegistryCall call, ResponseHead head, long from, long size, BlobSink sink) {
        String length = head.header("Content-Length");
        long announced = length != null && length.trim().matches("\\d{1,19}") ? Long.parseLong(length.trim()) : -1;
        if (head.status() == 206) {
            String range = head.header("Content-Range");
            Matcher m = range == null ? null : CONTENT_RANGE.matcher(range.trim());
            if (m == null || !m.matches() || Long.parseLong(m.group(1)) != from) {
                throw RegistryFailures.protocol(call, "asked for bytes " + from + "-, got Content-Range "
                        + RegistryFailures.quote(range));
            }
            if (!m.group(3).equals("*") && Long.parseLong(m.group(3)) != size) {
                throw new RegistryException(Reason.SIZE_MISMATCH, 206, call.describe() + ": the server holds "
                        + m.group(3) + " bytes, the manifest says " + size);
            }
            return sink.open(from, Long.parseLong(m.group(2)) - from + 1);
        }
        if (announced >= 0 && announced != size) {
            throw new RegistryException(Reason.SIZE_MISMATCH, 200, call.describe() + ": the server sends "
                    + announced + " bytes, the manifest says " + size + "; nothing was written for it");
        }
        if (from == 0) {
            return sink.open(0, announced);
        }
        return skipping(from, sink.open(from, announced < 0 ? -1 : announced - from));
    }

    /** A reader that drops the first {@code skip} bytes, then hands the rest to {@code next}. */
    private static BodyReader<Void> skipping(long skip, BodyReader<Void> next) {
        return new BodyReader<>() {
            private long left = skip;

            @Override
            public boolean onContent(ByteBuf chunk) {
                if (left > 0) {
                    int n = (int) Math.min(left, chunk.readableBytes());
                    chunk.skipBytes(n);
                    left -= n;
                    if (!chunk.isReadable()) {
                        return true;
                    }
                }
                return next.onContent(chunk);
            }

            @Override
            public Void end() {
                return next.end();
            }

            @Override
            public void flow(dev.hubmirror.http.ReadFlow flow) {
                next.flow(flow);
            }
        };
    }

    // ---- uploads

    /**
     * Opens an upload of {@code digest} to {@code repository}: with {@code mountFrom}, first as a cross-repository
     * mount ({@code 201}: done, nothing to send; {@code 202}: the registry could not mount and opened an upload).
     */
    public Uni<UploadStart> startUpload(String registry, String repository, Digest digest, Optional<String> mountFrom) {
        RegistryCall call = call("upload of " + digest, registry, repository, false);
        RegistryExchange x = at(registry);
        String path = repository + "/blobs/uploads/" + mountFrom.map(from -> "?mount=" + encode(digest.value())
                + "&from=" + encode(from)).orElse("");
        List<String> scopes = mountFrom.map(from -> List.of("repository:" + repository + ":pull,push",
                "repository:" + from + ":pull")).orElse(push(repository));
        URI url = x.url(path);
        return retries.run(call, () -> x.send(call, RegistryExchange.Op.of(HttpMethod.POST, url, scopes)
                .accepting(s -> s == 201 || s == 202), head -> {
                    if (head.status() == 201 && mountFrom.isPresent()) {
                        return BodyReader.discard(RegistryExchange.MAX_ERROR_BODY, () -> new UploadStart(true, null, 0));
                    }
                    URI location = location(call, head);
                    String min = head.header("OCI-Chunk-Min-Length");
                    long minChunk = min != null && min.trim().matches("\\d{1,19}") ? Long.parseLong(min.trim()) : 0;
                    return BodyReader.discard(RegistryExchange.MAX_ERROR_BODY,
                            () -> new UploadStart(false, location, minChunk));
                }));
    }

    private static URI location(RegistryCall call, ResponseHead head) {
        String location = head.header("Location");
        if (location == null || location.isBlank()) {
            throw RegistryFailures.protocol(call, "HTTP " + head.status() + " without a Location");
        }
        try {
            return head.url().resolve(new URI(location.trim()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw RegistryFailures.protocol(call, "HTTP " + head.status() + " with a malformed Location");
        }
    }

    /**
     * Sends one chunk ({@code length} bytes at {@code offset}) of an upload; completes with where the next goes.
     * Not retried here.
     */
    public Uni<URI> patch(String registry, String repository, Digest digest, URI location, long offset, long length,
            Supplier<ByteBuf> body) {
        RegistryCall call = call("upload of " + digest + " (bytes " + offset + "-" + (offset + length - 1) + ")",
                registry, repository, false);
        RegistryExchange x = at(registry);
        return x.send(call, RegistryExchange.Op.of(HttpMethod.PATCH, location, push(repository))
                .header("Content-Type", "application/octet-stream")
                .header("Content-Range", offset + "-" + (offset + length - 1)).body(body)
                .accepting(s -> s == 202 || s == 204), head -> {
                    URI next = location(call, head);
                    return BodyReader.discard(RegistryExchange.MAX_ERROR_BODY, () -> next);
                }).invoke(() -> observer.uploaded(registry, length));
    }

    /** What the registry holds of an upload (GET on its location); empty when the upload is gone. */
    public Uni<Optional<UploadStatus>> uploadStatus(String registry, String repository, Digest digest, URI location) {
        RegistryCall call = call("upload status of " + digest, registry, repository, false);
        RegistryExchange x = at(registry);
        return retries.run(call, () -> x.send(call, RegistryExchange.Op.of(HttpMethod.GET, location, push(repository))
                .accepting(s -> s == 204 || s == 200 || s == 404 || s == 400 || s == 416), head -> {
                    if (head.status() >= 400) {
                        return BodyReader.discard(RegistryExchange.MAX_ERROR_BODY, Optional::<UploadStatus>empty);
                    }
                    String range = head.header("Range");
                    long held;
                    if (range == null || range.isBlank()) {
                        held = 0;
                    } else {
                        Matcher m = UPLOAD_RANGE.matcher(range.trim());
                        if (!m.matches()) {
                            throw RegistryFailures.protocol(call, "the upload's Range '"
                                    + RegistryFailures.quote(range) + "' is not 0-<last>");
                        }
                        long last = Long.parseLong(m.group(1));
                        held = last == 0 ? -1 : last + 1;
                    }
                    URI next = head.header("Location") == null ? location : location(call, head);
                    return BodyReader.discard(RegistryExchange.MAX_ERROR_BODY,
                            () -> Optional.of(new UploadStatus(held, next)));
                }));
    }

    /**
     * Closes an upload with {@code PUT <location>?digest=<digest>}, sending {@code body} (the whole blob, or null when
     * every byte went in chunks); the registry checks the digest. Retried: a close whose answer was lost finds the
     * upload gone, and then succeeds when the blob is there.
     */
    public Uni<Void> finishUpload(String registry, String repository, Digest digest, URI location, long length,
            Supplier<ByteBuf> body) {
        RegistryCall call = call("upload of " + digest, registry, repository, false);
        RegistryExchange x = at(registry);
        String raw = location.toString();
        URI url = URI.create(raw + (raw.contains("?") ? "&" : "?") + "digest=" + encode(digest.value()));
        RegistryExchange.Op op = RegistryExchange.Op.of(HttpMethod.PUT, url, push(repository))
                .header("Content-Type", "application/octet-stream").accepting(s -> s == 201 || s == 204);
        if (body != null) {
            op = op.body(body);
        }
        RegistryExchange.Op put = op;
        int[] tries = {0};
        return retries.run(call, () -> {
            tries[0]++;
            Uni<Void> attempt = x.send(call, put, head -> {
                String stored = head.header("Docker-Content-Digest");
                if (stored != null && Digest.isValid(stored.trim()) && !stored.trim().equals(digest.value())) {
                    throw new RegistryException(Reason.REGISTRY_REJECTED, head.status(), call.describe()
                            + ": the registry stored " + stored.trim());
                }
                return BodyReader.discard(RegistryExchange.MAX_ERROR_BODY, () -> (Void) null);
            });
            if (tries[0] == 1) {
                return attempt;
            }
            // a retry: the first close may have landed and only its answer been lost
            return attempt.onFailure(e -> e instanceof RegistryException r && r.uploadLost()).recoverWithUni(e ->
                    blobSize(registry, repository, digest).map(size -> {
                        if (size.isPresent()) {
                            return null;
                        }
                        throw (RegistryException) e;
                    }));
        }).invoke(() -> {
            if (body != null) {
                observer.uploaded(registry, length);
            }
        });
    }

    /** Cancels an upload (best effort: failures are ignored, the registry expires abandoned uploads anyway). */
    public Uni<Void> cancelUpload(String registry, String repository, Digest digest, URI location) {
        RegistryCall call = call("cancel of the upload of " + digest, registry, repository, false);
        RegistryExchange x = at(registry);
        return x.send(call, RegistryExchange.Op.of(HttpMethod.DELETE, location, push(repository))
                .accepting(s -> true), head -> BodyReader.discard(RegistryExchange.MAX_ERROR_BODY, () -> (Void) null))
                .onFailure().recoverWithNull();
    }

    // ---- plain downloads (Helm repositories)

    /**
     * GETs {@code url} (a Helm repository's {@code index.yaml} or chart archive), following redirects under the same
     * rules, at most {@code max} bytes into one array.
     */
    Uni<byte[]> download(URI url, int max, RegistryCall call, Reason tooLarge) {
        RegistryExchange x = helmRepository(url);
        return retries.run(call, () -> x.send(call, RegistryExchange.Op.of(HttpMethod.GET, url, List.of())
                .following(), head -> {
                    String length = head.header("Content-Length");
                    if (length != null && length.trim().matches("\\d{1,19}") && Long.parseLong(length.trim()) > max) {
                        throw new RegistryException(tooLarge, 0, call.describe() + " is " + length.trim()
                                + " bytes, more than the " + max + " accepted");
                    }
                    return BodyReader.aggregate(max, () -> new RegistryException(tooLarge, 0, call.describe()
                            + " is larger than the " + max + " bytes accepted"));
                }));
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Closes every connection; operations in flight fail. */
    @Override
    public void close() {
        http.close();
    }
}
