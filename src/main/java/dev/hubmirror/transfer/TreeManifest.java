package dev.hubmirror.transfer;

import dev.hubmirror.hub.HubFile;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Writes {@code trees/<commit>.json} byte for byte as huggingface_hub (1.22+, {@code _tree_cache.py}) does:
 * {@code json.dump(data, f, indent=1)} with Python's defaults (ASCII-only output, {@code ": "} and {@code ","}
 * separators, no trailing newline), files sorted by path in code-point order, and {@code lfs_sha256}/{@code lfs_size}
 * only for LFS files. The listing is the whole tree at the commit, not just the filtered files, as the Hub reports
 * it: offline {@code snapshot_download} with the same patterns then sees a complete snapshot, and without them reports
 * exactly what is missing.
 */
public final class TreeManifest {

    private TreeManifest() {
    }

    /** The JSON document for the files of a commit. */
    public static byte[] render(List<HubFile> files) {
        List<HubFile> sorted = new ArrayList<>(files);
        sorted.sort(Comparator.comparing(HubFile::path, TreeManifest::compareCodePoints));
        // a first guess of the size, in long arithmetic and capped: the builder grows past it if needed
        StringBuilder out = new StringBuilder((int) Math.min(64L + files.size() * 160L, 1L << 24));
        out.append("{\n \"format_version\": 1,\n \"files\": ");
        if (sorted.isEmpty()) {
            out.append("{}");
        } else {
            out.append("{\n");
            for (int i = 0; i < sorted.size(); i++) {
                HubFile f = sorted.get(i);
                out.append("  ");
                string(out, f.path());
                out.append(": {\n   \"size\": ").append(f.size()).append(",\n   \"blob_id\": ");
                string(out, f.blobId());
                if (f.lfs().isPresent()) {
                    out.append(",\n   \"lfs_sha256\": ");
                    string(out, f.lfs().get().sha256());
                    out.append(",\n   \"lfs_size\": ").append(f.lfs().get().size());
                }
                out.append("\n  }");
                out.append(i + 1 < sorted.size() ? ",\n" : "\n");
            }
            out.append(" }");
        }
        out.append("\n}");
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** Python's {@code json} string encoding with {@code ensure_ascii=True}. */
    static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c >= 0x20 && c <= 0x7e) {
                        out.append(c);
                    } else {
                        out.append(String.format("\\u%04x", (int) c));
                    }
                }
            }
        }
        out.append('"');
    }
}
