package dev.hubmirror.transfer;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.store.StoreKeys;
import java.nio.charset.StandardCharsets;

/**
 * Checks a file path that came from the Hub before it becomes part of an object key: the Hub is outside our trust
 * boundary, so a hostile tree must not write outside its snapshot folder. The structural rules are the stores' own
 * ({@link StoreKeys#problem}); this adds the lengths a snapshot path may have.
 */
public final class SafePath {

    /** Longest path accepted, in UTF-8 bytes (S3 keys are limited to 1024 bytes including the prefix). */
    public static final int MAX_PATH_BYTES = 900;
    /** Longest path segment accepted, in UTF-8 bytes (most filesystems allow 255). */
    public static final int MAX_SEGMENT_BYTES = 255;

    private SafePath() {
    }

    /** Returns the path if it is safe, else throws {@link Reason#UNSAFE_PATH} naming the repo and the reason. */
    public static String check(String repo, String path) {
        String problem = problem(path);
        if (problem != null) {
            throw new MirrorException(Reason.UNSAFE_PATH, "repo " + repo + " lists an unsafe file path '"
                    + shown(path) + "' (" + problem + "); nothing was written. The repository content is refused; "
                    + "report it to its owner.");
        }
        return path;
    }

    /** A path as error messages quote it: control characters replaced, at most 120 characters. */
    static String shown(String path) {
        String shown = path == null ? "null" : path.replaceAll("\\p{Cntrl}", "?");
        return shown.length() > 120 ? shown.substring(0, 120) + "..." : shown;
    }

    static String problem(String path) {
        if (path != null && path.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            return "it is longer than " + MAX_PATH_BYTES + " bytes";
        }
        String problem = StoreKeys.problem(path);
        if (problem != null) {
            return problem;
        }
        for (String segment : path.split("/", -1)) {
            if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
                return "it has a segment longer than " + MAX_SEGMENT_BYTES + " bytes";
            }
        }
        return null;
    }
}
