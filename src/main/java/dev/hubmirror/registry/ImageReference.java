package dev.hubmirror.registry;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A reference to an image (or an OCI artifact such as a Helm chart) in a registry, as {@code docker pull} takes it:
 * {@code [registry/]repository[:tag][@sha256:digest]}, e.g. {@code ghcr.io/superlinked/sie-server:v0.3.1}. A reference
 * without a registry is on Docker Hub ({@code docker.io}, one-segment names under {@code library/}); a reference must
 * name a tag, a digest or both (no implicit {@code latest}: a mirror request says what it wants). With both, the
 * digest is what is fetched and the tag is what the target gets.
 *
 * @param registry   the registry host, with its port when it has one, lower case ({@code ghcr.io},
 *                   {@code 127.0.0.1:5000}, {@code docker.io})
 * @param repository the repository path ({@code superlinked/sie-server}), lower case
 * @param tag        the tag, or null
 * @param digest     the manifest digest, or null
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {

    /** Docker Hub's name in references. */
    public static final String DOCKER_HUB = "docker.io";

    private static final Pattern DOMAIN = Pattern.compile(
            "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
                    + "(?::[0-9]{1,5})?|\\[[0-9a-fA-F:.]+\\](?::[0-9]{1,5})?");
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final int MAX_NAME = 255;

    /**
     * Validates the parts.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public ImageReference {
        if (registry == null || !DOMAIN.matcher(registry).matches()) {
            throw new IllegalArgumentException("registry '" + Digest.printable(registry) + "' is not a host name "
                    + "with an optional port");
        }
        registry = registry.toLowerCase(Locale.ROOT);
        checkRepository(repository);
        if (tag != null && !TAG.matcher(tag).matches()) {
            throw new IllegalArgumentException("tag '" + Digest.printable(tag) + "' is not valid: up to 128 letters, "
                    + "digits, '_', '.' and '-', not starting with '.' or '-'");
        }
        if (tag == null && digest == null) {
            throw new IllegalArgumentException("image " + registry + "/" + repository + " names neither a tag nor a "
                    + "digest: add :<tag> or @sha256:<digest>");
        }
    }

    /** Checks a repository path: lower-case components separated by '/', at most 255 characters. */
    static void checkRepository(String repository) {
        if (repository == null || repository.isEmpty() || repository.length() > MAX_NAME) {
            throw new IllegalArgumentException("repository '" + Digest.printable(repository) + "' must have 1 to "
                    + MAX_NAME + " characters");
        }
        for (String component : repository.split("/", -1)) {
            if (!COMPONENT.matcher(component).matches()) {
                throw new IllegalArgumentException("repository '" + Digest.printable(repository) + "' is not valid: "
                        + "each '/'-separated part must be lower-case letters and digits, optionally joined by '.', "
                        + "'_', '__' or dashes");
            }
        }
    }

    /**
     * Parses {@code [registry/]repository[:tag][@sha256:digest]} (an {@code oci://} prefix is accepted and dropped).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static ImageReference parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("an image reference cannot be empty");
        }
        String rest = text.strip();
        if (rest.startsWith("oci://")) {
            rest = rest.substring("oci://".length());
        }
        if (rest.contains("://")) {
            throw new IllegalArgumentException("image reference '" + Digest.printable(text) + "' must not have a "
                    + "scheme: write ghcr.io/org/name:tag");
        }
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = Digest.parse(rest.substring(at + 1));
            rest = rest.substring(0, at);
        }
        String tag = null;
        int slash = rest.lastIndexOf('/');
        int colon = rest.lastIndexOf(':');
        if (colon > slash) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        String registry;
        String repository;
        int first = rest.indexOf('/');
        String head = first < 0 ? "" : rest.substring(0, first);
        if (first >= 0 && (head.contains(".") || head.contains(":") || head.equals("localhost")
                || head.startsWith("["))) {
            registry = head;
            repository = rest.substring(first + 1);
        } else {
            registry = DOCKER_HUB;
            repository = rest;
        }
        if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) {
            registry = DOCKER_HUB;
        }
        if (registry.equals(DOCKER_HUB) && !repository.contains("/")) {
            repository = "library/" + repository;
        }
        return new ImageReference(registry, repository, tag, digest);
    }

    /** The tag, else the digest: what goes into {@code /v2/<name>/manifests/<reference>}. */
    public String reference() {
        return digest != null ? digest.value() : tag;
    }

    /** This reference with {@code digest} (the tag kept). */
    public ImageReference withDigest(Digest d) {
        return new ImageReference(registry, repository, tag, d);
    }

    /** This reference by digest only. */
    public ImageReference byDigest(Digest d) {
        return new ImageReference(registry, repository, null, d);
    }

    /** {@code registry/repository}. */
    public String name() {
        return registry + "/" + repository;
    }

    @Override
    public String toString() {
        return name() + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest.value());
    }
}
