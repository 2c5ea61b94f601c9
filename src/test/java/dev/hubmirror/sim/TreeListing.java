package dev.hubmirror.sim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeSet;

/**
 * The entries of {@code api/tree} for a commit: files and folders under a folder, immediate children or (recursive)
 * every descendant, in depth-first order with names sorted at each level (a folder comes right before its
 * contents).
 */
final class TreeListing {

    /** One tree entry: a file, or a folder when {@code file} is null. */
    record Entry(String path, SimFile file) {
        boolean isDirectory() {
            return file == null;
        }
    }

    /**
     * Segment by segment, each segment in {@link String#compareTo} order, a path before its descendants: the same as
     * comparing the whole strings with {@code '/'} ranked below every other character. No allocation per comparison,
     * so deep hostile trees (thousands of levels) list quickly.
     */
    private static final Comparator<String> BY_SEGMENTS = (a, b) -> {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                return Integer.compare(x == '/' ? -1 : x, y == '/' ? -1 : y);
            }
        }
        return Integer.compare(a.length(), b.length());
    };

    private TreeListing() {
    }

    /**
     * The entries under {@code base} ({@code ""} for the root), or {@code null} when {@code base} is not a folder
     * of the commit.
     */
    static List<Entry> entries(SortedMap<String, SimFile> files, String base, boolean recursive) {
        TreeSet<String> dirs = new TreeSet<>();
        for (String path : files.keySet()) {
            int slash = path.indexOf('/');
            while (slash >= 0) {
                dirs.add(path.substring(0, slash));
                slash = path.indexOf('/', slash + 1);
            }
        }
        if (!base.isEmpty() && !dirs.contains(base)) {
            return null;
        }
        String prefix = base.isEmpty() ? "" : base + "/";
        TreeSet<String> paths = new TreeSet<>(BY_SEGMENTS);
        for (String p : files.keySet()) {
            if (p.startsWith(prefix) && (recursive || p.indexOf('/', prefix.length()) < 0)) {
                paths.add(p);
            }
        }
        for (String d : dirs) {
            if (d.startsWith(prefix) && (recursive || d.indexOf('/', prefix.length()) < 0)) {
                paths.add(d);
            }
        }
        List<Entry> entries = new ArrayList<>(paths.size());
        for (String p : paths) {
            entries.add(new Entry(p, files.get(p)));
        }
        return entries;
    }
}
