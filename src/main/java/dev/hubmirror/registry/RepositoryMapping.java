package dev.hubmirror.registry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Where a source image goes in the target registry ({@code mirror.registry.mapping.*}): the source registry host is
 * always dropped, then the first {@code dropSegments} segments of the source repository path (the last segment always
 * stays), then {@code prefix} is put in front. Tags and digests are kept. Charts from classic Helm repositories have
 * no source path: they go to {@code prefix/classicChartPath/<name>}.
 *
 * <p>With the default {@code dropSegments = 0} and {@code prefix = ""}, {@code ghcr.io/superlinked/sie-server:v0.3.1}
 * becomes {@code <target>/superlinked/sie-server:v0.3.1}; with {@code dropSegments = 1} and {@code prefix = sie},
 * {@code <target>/sie/sie-server:v0.3.1} (the air-gap guide's layout), and
 * {@code oci://ghcr.io/superlinked/charts/sie-cluster:0.3.1} becomes {@code <target>/sie/charts/sie-cluster:0.3.1}.
 *
 * @param targetRegistry   the target registry host (with its port when it has one)
 * @param dropSegments     leading segments of the source repository dropped (0 or more)
 * @param prefix           the path put in front ("" for none), without leading or trailing '/'
 * @param classicChartPath the path under {@code prefix} that charts of classic Helm repositories go to
 */
public record RepositoryMapping(String targetRegistry, int dropSegments, String prefix, String classicChartPath) {

    /**
     * Validates and normalises the values (slashes trimmed, lower case).
     *
     * @throws IllegalArgumentException naming the key that is wrong
     */
    public RepositoryMapping {
        if (targetRegistry == null || targetRegistry.isBlank()) {
            throw new IllegalArgumentException("mirror.registry.target.url is required to mirror images and charts");
        }
        targetRegistry = targetRegistry.trim().toLowerCase(Locale.ROOT);
        if (dropSegments < 0) {
            throw new IllegalArgumentException("mirror.registry.mapping.drop-segments must be 0 or more, got "
                    + dropSegments);
        }
        prefix = trimSlashes(prefix);
        classicChartPath = trimSlashes(classicChartPath);
        for (String path : List.of(prefix, classicChartPath)) {
            if (!path.isEmpty()) {
                try {
                    ImageReference.checkRepository(path);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("mirror.registry.mapping: prefix '" + Digest.printable(prefix)
                            + "' or classic-chart-path '" + Digest.printable(classicChartPath) + "' is not a "
                            + "repository path: " + e.getMessage(), e);
                }
            }
        }
        try {
            new ImageReference(targetRegistry, "probe", "probe", null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("mirror.registry.target.url: " + e.getMessage(), e);
        }
    }

    private static String trimSlashes(String path) {
        String p = path == null ? "" : path.trim().toLowerCase(Locale.ROOT);
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    /** Where {@code source} goes: same tag and digest, the mapped repository, the target registry. */
    public ImageReference target(ImageReference source) {
        List<String> segments = new ArrayList<>(Arrays.asList(source.repository().split("/")));
        int drop = Math.min(dropSegments, segments.size() - 1);
        List<String> kept = segments.subList(drop, segments.size());
        return new ImageReference(targetRegistry, join(prefix, String.join("/", kept)), source.tag(), source.digest());
    }

    /** Where chart {@code name} of a classic Helm repository goes, tagged with {@code tag}. */
    public ImageReference classicChart(String name, String tag) {
        return new ImageReference(targetRegistry, join(join(prefix, classicChartPath), name), tag, null);
    }

    /** The OCI tag of a chart version: Helm replaces {@code +} (not allowed in tags) with {@code _}. */
    public static String chartTag(String version) {
        return version.replace('+', '_');
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : b.isEmpty() ? a : a + "/" + b;
    }

    /** The rule in words, for job views and events. */
    public String describe() {
        return "source host dropped" + (dropSegments == 0 ? "" : ", first " + dropSegments + " path segment"
                + (dropSegments == 1 ? "" : "s") + " dropped") + (prefix.isEmpty() ? "" : ", prefix '" + prefix + "'")
                + ", into " + targetRegistry;
    }
}
