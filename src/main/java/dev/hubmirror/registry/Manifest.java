package dev.hubmirror.registry;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A manifest exactly as a registry served it: its bytes (copied byte for byte, so its digest is preserved), its media
 * type, its digest, and what it refers to. An index (OCI image index, Docker manifest list) refers to child manifests;
 * an image manifest (OCI, Docker schema 2; Helm charts and other OCI artifacts are OCI manifests) to a config and
 * layers. Docker schema 1 and anything that is not one of these is refused.
 *
 * @param bytes     the manifest's bytes
 * @param mediaType its media type
 * @param digest    the sha256 of {@link #bytes}
 * @param children  an index's entries, else empty
 * @param config    an image manifest's config, else null
 * @param layers    an image manifest's layers, else empty
 */
public record Manifest(byte[] bytes, String mediaType, Digest digest, List<Descriptor> children, Descriptor config,
        List<Descriptor> layers) {

    /** Copies the lists. */
    public Manifest {
        children = List.copyOf(children);
        layers = List.copyOf(layers);
    }

    /** Whether this is an index of child manifests. */
    public boolean isIndex() {
        return MediaTypes.isIndex(mediaType);
    }

    /** The config and the layers: every blob an image manifest refers to, in order. */
    public List<Descriptor> blobs() {
        List<Descriptor> all = new ArrayList<>(layers.size() + 1);
        if (config != null) {
            all.add(config);
        }
        all.addAll(layers);
        return all;
    }

    /**
     * Parses a manifest a registry served with {@code contentType}.
     *
     * @param what names the manifest in messages ({@code "manifest v1 of ghcr.io/org/name"})
     * @throws MirrorException {@link Reason#MANIFEST_INVALID} naming what is wrong
     */
    public static Manifest parse(byte[] bytes, String contentType, String what) {
        JsonObject json;
        try {
            json = new JsonObject(Buffer.buffer(bytes));
        } catch (DecodeException | ClassCastException e) {
            throw invalid(what, "it is not a JSON object");
        }
        Object schema = json.getValue("schemaVersion");
        String declared = json.getValue("mediaType") instanceof String s ? s : null;
        String served = MediaTypes.bare(contentType);
        if (MediaTypes.DOCKER_SCHEMA1.equals(served) || MediaTypes.DOCKER_SCHEMA1_SIGNED.equals(served)
                || Integer.valueOf(1).equals(schema)) {
            throw invalid(what, "it is a Docker schema 1 manifest, which cannot be copied with its digest; push the "
                    + "image again with a current client (schema 2 or OCI)");
        }
        if (!Integer.valueOf(2).equals(schema)) {
            throw invalid(what, "schemaVersion is not 2");
        }
        String type = declared != null ? declared
                : MediaTypes.isIndex(served) || MediaTypes.isManifest(served) ? served
                : json.containsKey("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
        if (!MediaTypes.isIndex(type) && !MediaTypes.isManifest(type)) {
            throw invalid(what, "its media type '" + Digest.printable(type) + "' is neither an image manifest nor an "
                    + "index");
        }
        if (declared != null && (MediaTypes.isIndex(served) || MediaTypes.isManifest(served))
                && !declared.equals(served)) {
            throw invalid(what, "it says it is " + Digest.printable(declared) + " but was served as "
                    + Digest.printable(served));
        }
        Digest digest = Digest.of(bytes);
        if (MediaTypes.isIndex(type)) {
            JsonArray entries = array(json, "manifests", what);
            List<Descriptor> children = new ArrayList<>(entries.size());
            for (int i = 0; i < entries.size(); i++) {
                children.add(descriptor(entries.getValue(i), true, what, "manifests[" + i + "]"));
            }
            return new Manifest(bytes, type, digest, children, null, List.of());
        }
        Descriptor config = descriptor(json.getValue("config"), false, what, "config");
        JsonArray entries = array(json, "layers", what);
        List<Descriptor> layers = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            layers.add(descriptor(entries.getValue(i), false, what, "layers[" + i + "]"));
        }
        return new Manifest(bytes, type, digest, List.of(), config, layers);
    }

    /**
     * This index with only the entries whose platform one of {@code platforms} selects (entries without a platform,
     * such as attestations, are dropped too): new bytes, so a new digest. Every other field is kept.
     *
     * @throws MirrorException {@link Reason#INVALID_REQUEST} when no entry is selected
     */
    public Manifest filtered(Collection<Platform> platforms, String what) {
        JsonObject json = new JsonObject(Buffer.buffer(bytes));
        JsonArray kept = new JsonArray();
        JsonArray entries = json.getJsonArray("manifests");
        for (int i = 0; i < entries.size(); i++) {
            Descriptor d = children.get(i);
            if (d.platform() != null && platforms.stream().anyMatch(p -> p.selects(d.platform()))) {
                kept.add(entries.getValue(i));
            }
        }
        if (kept.isEmpty()) {
            throw new MirrorException(Reason.INVALID_REQUEST, what + " has no entry for the platforms " + platforms
                    + "; it has " + children.stream().map(d -> String.valueOf(d.platform())).toList());
        }
        json.put("manifests", kept);
        return parse(json.encode().getBytes(java.nio.charset.StandardCharsets.UTF_8), mediaType, what);
    }

    private static JsonArray array(JsonObject json, String field, String what) {
        Object value = json.getValue(field);
        if (!(value instanceof JsonArray a)) {
            throw invalid(what, "it has no '" + field + "' array");
        }
        return a;
    }

    private static Descriptor descriptor(Object value, boolean inIndex, String what, String where) {
        if (!(value instanceof JsonObject d)) {
            throw invalid(what, where + " is not a descriptor object");
        }
        Object type = d.getValue("mediaType");
        Object digest = d.getValue("digest");
        Object size = d.getValue("size");
        if (!(type instanceof String t) || t.isBlank() || !(digest instanceof String s) || !Digest.isValid(s)
                || !(size instanceof Number n) || n.longValue() < 0 || n.doubleValue() != n.longValue()) {
            throw invalid(what, where + " needs a mediaType, a sha256 digest and a size of 0 or more");
        }
        if (inIndex && !MediaTypes.isIndex(t) && !MediaTypes.isManifest(t)) {
            throw invalid(what, where + " is a " + Digest.printable(t) + ", not a manifest");
        }
        Platform platform = null;
        if (d.getValue("platform") instanceof JsonObject p) {
            try {
                platform = new Platform(p.getString("os"), p.getString("architecture"), p.getString("variant"));
            } catch (IllegalArgumentException | ClassCastException e) {
                throw invalid(what, where + " has a malformed platform");
            }
        }
        List<String> urls = new ArrayList<>();
        if (d.getValue("urls") instanceof JsonArray u) {
            u.forEach(x -> urls.add(String.valueOf(x)));
        }
        return new Descriptor(t, new Digest(s), n.longValue(), platform, urls);
    }

    private static MirrorException invalid(String what, String detail) {
        return new MirrorException(Reason.MANIFEST_INVALID, what + " cannot be copied: " + detail
                + "; nothing was written for it");
    }
}
