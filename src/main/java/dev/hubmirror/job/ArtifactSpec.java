package dev.hubmirror.job;

import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * A container image or Helm chart a request asked for, validated, with where it goes: what a job of the registry
 * engine copies ({@link ArtifactMirror}).
 *
 * @param kind       an image, or a chart
 * @param source     an image (or OCI chart) reference, {@code ghcr.io/org/name:tag} / {@code @sha256:...}, with
 *                   {@code oci://} for a chart; or, for a chart of a classic Helm repository, the repository URL
 * @param chart      a classic repository's chart name; {@code null} for images and OCI charts
 * @param version    a classic repository's chart version; {@code null} for images and OCI charts
 * @param platforms  the platforms to keep of an image index ({@code linux/amd64}); empty: every platform
 * @param target     where it goes: the target registry's reference (tag or digest), as the mapping made it
 * @param mapping    the mapping rule that made it, in words
 */
public record ArtifactSpec(Kind kind, String source, String chart, String version, List<String> platforms,
        String target, String mapping) {

    /** What the artifact is. */
    public enum Kind {
        /** A container image (a single manifest or an index). */
        IMAGE,
        /** A Helm chart: an OCI artifact, or from a classic repository. */
        CHART;

        /** {@code image} or {@code chart}: the spelling of requests, responses and events. */
        public String singular() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Parses {@code image} or {@code chart}. */
        public static Kind parse(String value) {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        }
    }

    /** Copies the list. */
    public ArtifactSpec {
        platforms = platforms == null ? List.of() : List.copyOf(platforms);
    }

    /** Whether this is a chart of a classic Helm repository (index.yaml and .tgz files). */
    public boolean classic() {
        return chart != null;
    }

    /**
     * What the job is about, as one string: the source reference, or {@code <repository> <chart> <version>} for a
     * classic chart.
     */
    public String subject() {
        return classic() ? source + " " + chart + " " + version : source;
    }

    /** The tag, digest or version the request named. */
    public String reference() {
        if (classic()) {
            return version;
        }
        int at = source.indexOf('@');
        if (at >= 0) {
            return source.substring(at + 1);
        }
        int colon = source.lastIndexOf(':');
        return colon > source.lastIndexOf('/') ? source.substring(colon + 1) : "";
    }

    /** A stable text form, equal for equal work (platform order does not matter). */
    public String key() {
        return kind.singular() + ":" + subject() + "|" + String.join(",", new TreeSet<>(platforms)) + ">" + target;
    }
}
