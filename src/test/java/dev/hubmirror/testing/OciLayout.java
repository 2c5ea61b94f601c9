package dev.hubmirror.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * An OCI image layout on disk ({@code oci-layout}, {@code index.json}, {@code blobs/sha256/...}) built by a test from
 * bytes it makes: tar layers, a 0-byte layer, a large random layer streamed to disk, image configs and manifests,
 * indexes, Helm charts (config and archive with Helm's media types). {@link Skopeo} then pushes it into a registry
 * ({@code oci:<dir>:<tag>}) with its digests preserved.
 */
public final class OciLayout {

    /** A blob written to the layout. */
    public record Blob(String mediaType, String digest, long size) {

        JsonObject descriptor() {
            return new JsonObject().put("mediaType", mediaType).put("digest", digest).put("size", size);
        }
    }

    private final Path dir;
    private final List<JsonObject> refs = new ArrayList<>();

    private OciLayout(Path dir) {
        this.dir = dir;
    }

    /** A new, empty layout in a temp directory. */
    public static OciLayout create() {
        try {
            Path dir = Files.createTempDirectory("oci-layout");
            Files.createDirectories(dir.resolve("blobs/sha256"));
            Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
            return new OciLayout(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** Writes {@code bytes} as a blob of {@code mediaType}. */
    public Blob blob(String mediaType, byte[] bytes) {
        String digest = sha256(bytes);
        try {
            Files.write(dir.resolve("blobs/sha256/" + digest.substring(7)), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Blob(mediaType, digest, bytes.length);
    }

    /** An uncompressed tar layer holding {@code files}. */
    public Blob tarLayer(Map<String, byte[]> files) {
        return blob("application/vnd.oci.image.layer.v1.tar", tar(files));
    }

    /** A layer of {@code size} random bytes (seeded), streamed to disk: large layers never sit in the heap. */
    public Blob randomLayer(long size, long seed) {
        try {
            Path tmp = dir.resolve("blobs/tmp-" + seed);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            Random random = new Random(seed);
            byte[] block = new byte[1 << 20];
            try (OutputStream out = Files.newOutputStream(tmp)) {
                long left = size;
                while (left > 0) {
                    random.nextBytes(block);
                    int n = (int) Math.min(block.length, left);
                    out.write(block, 0, n);
                    sha.update(block, 0, n);
                    left -= n;
                }
            }
            String digest = "sha256:" + HexFormat.of().formatHex(sha.digest());
            Files.move(tmp, dir.resolve("blobs/sha256/" + digest.substring(7)), StandardCopyOption.REPLACE_EXISTING);
            return new Blob("application/vnd.oci.image.layer.v1.tar", digest, size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An image manifest for {@code os/arch} over {@code layers} (its config lists the platform). */
    public Blob image(String os, String arch, List<Blob> layers) {
        JsonArray diffIds = new JsonArray();
        layers.forEach(l -> diffIds.add(l.digest()));
        Blob config = blob("application/vnd.oci.image.config.v1+json", new JsonObject().put("architecture", arch)
                .put("os", os).put("rootfs", new JsonObject().put("type", "layers").put("diff_ids", diffIds))
                .encode().getBytes(StandardCharsets.UTF_8));
        JsonArray layerList = new JsonArray();
        layers.forEach(l -> layerList.add(l.descriptor()));
        return blob("application/vnd.oci.image.manifest.v1+json", new JsonObject().put("schemaVersion", 2)
                .put("mediaType", "application/vnd.oci.image.manifest.v1+json").put("config", config.descriptor())
                .put("layers", layerList).encode().getBytes(StandardCharsets.UTF_8));
    }

    /** An image index over {@code images}, each with its platform ({@code os/arch} pairs, in order). */
    public Blob index(List<Blob> images, List<String> platforms) {
        JsonArray manifests = new JsonArray();
        for (int i = 0; i < images.size(); i++) {
            String[] p = platforms.get(i).split("/");
            JsonObject platform = new JsonObject().put("architecture", p[1]).put("os", p[0]);
            if (p.length > 2) {
                platform.put("variant", p[2]);
            }
            manifests.add(images.get(i).descriptor().put("platform", platform));
        }
        return blob("application/vnd.oci.image.index.v1+json", new JsonObject().put("schemaVersion", 2)
                .put("mediaType", "application/vnd.oci.image.index.v1+json").put("manifests", manifests).encode()
                .getBytes(StandardCharsets.UTF_8));
    }

    /** A Helm chart as Helm pushes one: config (the chart's metadata as JSON) and the archive as the one layer. */
    public Blob helmChart(String name, String version, byte[] archive) {
        Blob config = blob("application/vnd.cncf.helm.config.v1+json", new JsonObject().put("name", name)
                .put("version", version).put("apiVersion", "v2").encode().getBytes(StandardCharsets.UTF_8));
        Blob layer = blob("application/vnd.cncf.helm.chart.content.v1.tar+gzip", archive);
        return blob("application/vnd.oci.image.manifest.v1+json", new JsonObject().put("schemaVersion", 2)
                .put("mediaType", "application/vnd.oci.image.manifest.v1+json").put("config", config.descriptor())
                .put("layers", new JsonArray().add(layer.descriptor()))
                .put("annotations", new JsonObject().put("org.opencontainers.image.title", name)
                        .put("org.opencontainers.image.version", version))
                .encode().getBytes(StandardCharsets.UTF_8));
    }

    /** Names {@code manifest} {@code tag} in {@code index.json} (what {@code oci:<dir>:<tag>} refers to). */
    public OciLayout tag(Blob manifest, String tag) {
        refs.add(manifest.descriptor().put("annotations", new JsonObject().put("org.opencontainers.image.ref.name",
                tag)));
        JsonArray manifests = new JsonArray();
        refs.forEach(manifests::add);
        try {
            Files.writeString(dir.resolve("index.json"), new JsonObject().put("schemaVersion", 2)
                    .put("manifests", manifests).encode());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** The bytes of blob {@code digest}. */
    public byte[] read(String digest) {
        try {
            return Files.readAllBytes(dir.resolve("blobs/sha256/" + digest.substring(7)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- archives

    /** A ustar archive of {@code files} (path to bytes), in order. */
    public static byte[] tar(Map<String, byte[]> files) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            byte[] header = new byte[512];
            put(header, 0, f.getKey());
            put(header, 100, "0000644");
            put(header, 108, "0000000");
            put(header, 116, "0000000");
            put(header, 124, String.format("%011o", f.getValue().length));
            put(header, 136, "00000000000");
            header[156] = '0';
            put(header, 257, "ustar");
            header[262] = 0;
            put(header, 263, "00");
            for (int i = 148; i < 156; i++) {
                header[i] = ' ';
            }
            int sum = 0;
            for (byte b : header) {
                sum += b & 0xff;
            }
            put(header, 148, String.format("%06o", sum));
            header[154] = 0;
            header[155] = ' ';
            out.writeBytes(header);
            out.writeBytes(f.getValue());
            out.writeBytes(new byte[(512 - f.getValue().length % 512) % 512]);
        }
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }

    /** A Helm chart archive ({@code <name>/Chart.yaml}, values, one template), gzipped. */
    public static byte[] chartArchive(String name, String version, String description) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(name + "/Chart.yaml", ("apiVersion: v2\nname: " + name + "\nversion: " + version + "\ndescription: "
                + description + "\nappVersion: \"" + version + "\"\ntype: application\n")
                .getBytes(StandardCharsets.UTF_8));
        files.put(name + "/values.yaml", "replicaCount: 1\nimage:\n  repository: example\n"
                .getBytes(StandardCharsets.UTF_8));
        files.put(name + "/templates/configmap.yaml", ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ "
                + ".Release.Name }}\ndata:\n  replicas: \"{{ .Values.replicaCount }}\"\n")
                .getBytes(StandardCharsets.UTF_8));
        return gzip(tar(files));
    }

    /** {@code bytes} gzipped. */
    public static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void put(byte[] header, int at, String text) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, header, at, b.length);
    }

    /** {@code sha256:<hex>} of {@code bytes}. */
    public static String sha256(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
