package dev.hubmirror.registry;

import java.util.Set;

/** The media types of manifests, configs and layers this client knows. */
public final class MediaTypes {

    /** An OCI image manifest (also what Helm pushes for a chart). */
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    /** An OCI image index (multi-platform). */
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    /** A Docker image manifest, schema 2. */
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    /** A Docker manifest list (multi-platform). */
    public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    /** Docker's schema 1 manifests: refused (signed, not content-addressable across registries). */
    public static final String DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json";
    /** Docker's signed schema 1 manifest. */
    public static final String DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";

    /** An OCI image config. */
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    /** A Helm chart's config (its Chart.yaml as JSON). */
    public static final String HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json";
    /** A Helm chart's archive. */
    public static final String HELM_CHART = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
    /** A Helm chart's provenance file. */
    public static final String HELM_PROVENANCE = "application/vnd.cncf.helm.chart.provenance.v1.prov";

    /**
     * The {@code Accept} header of every manifest request: without it, a registry may answer an index with 404 (as
     * distribution 2.8 does, even for {@code *}{@code /*}) or rewrite a Docker manifest to schema 1 (another digest).
     */
    public static final String MANIFEST_ACCEPT = String.join(", ", OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST,
            DOCKER_MANIFEST);

    private static final Set<String> INDEXES = Set.of(OCI_INDEX, DOCKER_MANIFEST_LIST);
    private static final Set<String> IMAGES = Set.of(OCI_MANIFEST, DOCKER_MANIFEST);

    private MediaTypes() {
    }

    /** Whether {@code type} is an index (OCI image index or Docker manifest list). */
    public static boolean isIndex(String type) {
        return INDEXES.contains(type);
    }

    /** Whether {@code type} is a single manifest (OCI or Docker schema 2). */
    public static boolean isManifest(String type) {
        return IMAGES.contains(type);
    }

    /** Layers that must not be copied (Windows base layers served from elsewhere). */
    public static boolean isForeign(String type) {
        return type != null && (type.contains(".foreign.") || type.contains("nondistributable"));
    }

    /** A {@code Content-Type} without parameters, lower case, or "". */
    static String bare(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon >= 0 ? contentType.substring(0, semicolon) : contentType).trim()
                .toLowerCase(java.util.Locale.ROOT);
    }
}
