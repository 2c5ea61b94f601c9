package dev.hubmirror.store.fs;

import static dev.hubmirror.log.LogKeys.KEY;
import static dev.hubmirror.log.LogKeys.STORE;
import static dev.hubmirror.log.LogKeys.UPLOAD_ID;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The temp files of a directory store's unfinished writes, and their sweeper. Every temp file lives under
 * {@code <root>/.hub-mirror/tmp/}, in the mirror of its target's folder, named {@code .<name>.<16 hex digits>.part}
 * (long names shortened, so that it stays within 255 bytes): never beside a key, so no visible file can be taken for
 * one. The temp files this instance created and has not published or deleted yet are <i>running</i>; the sweeper
 * ({@link #sweep}) deletes the others, the leftovers of a process killed mid-write. Blocking; worker threads only.
 */
final class TempFiles {

    private static final Logger LOGGER = Logger.getLogger(TempFiles.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int TEMP_NAME_CODE_POINTS = 48;
    /** The names {@link #tempFor} gives: {@code .<name>.<16 hex digits>.part}. */
    private static final Pattern TEMP_NAME = Pattern.compile("\\..+\\.[0-9a-f]{16}\\.part");
    private static final int SUFFIX_LENGTH = ".0123456789abcdef.part".length();

    private final Path root;
    /** {@code <root>/.hub-mirror/tmp}: every temp file of a write lives below it, never beside a key. */
    private final Path tempRoot;
    /** Temp files this instance created and has not published or deleted yet. */
    private final Set<Path> running = ConcurrentHashMap.newKeySet();

    /** The temp files of the store over {@code root}, under {@code <root>/<internalDir>/tmp}. */
    TempFiles(Path root, String internalDir) {
        this.root = root;
        this.tempRoot = root.resolve(internalDir).resolve("tmp");
    }

    /** Creates the target's folder, the temp file's folder and an empty temp file for {@code target}; it is running. */
    Path create(Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Path temp = tempFor(target);
        Files.createDirectories(temp.getParent());
        running.add(temp);
        Files.createFile(temp);
        return temp;
    }

    /** A fresh temp path for {@code target} that this instance is about to fill; it is running. */
    Path reserve(Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Path temp = tempFor(target);
        Files.createDirectories(temp.getParent());
        running.add(temp);
        return temp;
    }

    /** Deletes a temp file if it is still there, and forgets it. */
    void discard(Path temp) throws IOException {
        Files.deleteIfExists(temp);
        running.remove(temp);
    }

    /** Forgets a temp file that was published (renamed onto its key). */
    void published(Path temp) {
        running.remove(temp);
    }

    /** A fresh temp path for a file under the root, in the mirror of its folder under {@code .hub-mirror/tmp/}. */
    Path tempFor(Path target) {
        return folderOf(target.getParent()).resolve(tempName(target));
    }

    /** A temp path beside {@code target}, for the store's own files under {@code .hub-mirror/} (sidecars). */
    static Path siblingTemp(Path target) {
        return target.resolveSibling(tempName(target));
    }

    /** 16 random hex digits. */
    static String randomHex() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * Deletes the temp files that are not running: of every file under {@code folder} (searched recursively) when
     * {@code file} is {@code null}, else of that one file only (same shortened name, same length). Only
     * {@code .hub-mirror/tmp/} is ever looked at. Returns how many were deleted.
     *
     * @param folder the folder under the root whose files' temp files are swept ({@code root}: all)
     * @param file   the one file whose temp files are swept, or {@code null}
     */
    int sweep(Path folder, Path file) throws IOException {
        Path dir = folderOf(folder);
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        String like = file == null ? null : tempFor(file).getFileName().toString();
        String own = like == null ? null : like.substring(0, like.length() - SUFFIX_LENGTH) + ".";
        List<Path> orphans;
        try (Stream<Path> files = file == null ? Files.walk(dir) : Files.list(dir)) {
            orphans = files.filter(p -> p.startsWith(tempRoot))
                    .filter(p -> TEMP_NAME.matcher(p.getFileName().toString()).matches())
                    .filter(p -> like == null || p.getFileName().toString().length() == like.length()
                            && p.getFileName().toString().startsWith(own))
                    .filter(p -> !running.contains(p))
                    .filter(Files::isRegularFile)
                    .toList();
        }
        int deleted = 0;
        for (Path orphan : orphans) {
            if (Files.deleteIfExists(orphan)) {
                deleted++;
                Path folderOfKey = tempRoot.relativize(orphan).getParent();
                LOGGER.infof("orphaned upload aborted" + STORE + KEY + UPLOAD_ID, "file",
                        folderOfKey == null ? "" : folderOfKey + "/", orphan.getFileName());
            }
        }
        return deleted;
    }

    /** The folder under {@code .hub-mirror/tmp/} that holds the temp files of files in {@code folder}. */
    private Path folderOf(Path folder) {
        return folder.equals(root) ? tempRoot : tempRoot.resolve(root.relativize(folder));
    }

    private static String tempName(Path target) {
        String name = target.getFileName().toString();
        if (name.codePointCount(0, name.length()) > TEMP_NAME_CODE_POINTS) {
            name = name.substring(0, name.offsetByCodePoints(0, TEMP_NAME_CODE_POINTS));
        }
        return "." + name + "." + randomHex() + ".part";
    }
}
