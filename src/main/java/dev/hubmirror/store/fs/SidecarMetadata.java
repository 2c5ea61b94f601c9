package dev.hubmirror.store.fs;

import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.KEY;
import static dev.hubmirror.log.LogKeys.STORE;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubmirror.store.fs.FilesystemObjectStore.MetadataMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * Metadata in a sidecar file {@code <root>/.hub-mirror/meta/<key>.json}, written (atomically, by a rename) before the
 * file's own rename. It records the size and the inode of the file it describes, and is only believed while the
 * visible file still has that size and inode, so metadata never claims more than what is visible.
 */
final class SidecarMetadata implements FileMetadata {

    private static final Logger LOGGER = Logger.getLogger(SidecarMetadata.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path folder;

    /** Sidecars under {@code metaFolder} ({@code <root>/.hub-mirror/meta}). */
    SidecarMetadata(Path metaFolder) {
        this.folder = metaFolder;
    }

    /** What a sidecar file holds: the size and inode of the file it describes, and its metadata. */
    record Sidecar(long size, String fileKey, Map<String, String> metadata) {
    }

    @Override
    public MetadataMode mode() {
        return MetadataMode.SIDECAR;
    }

    @Override
    public void write(String key, Path temp, Map<String, String> metadata, boolean linked) throws IOException {
        BasicFileAttributes attrs = Files.readAttributes(temp, BasicFileAttributes.class);
        Sidecar content = new Sidecar(attrs.size(), fileKey(attrs), new TreeMap<>(metadata));
        Path sidecar = path(key);
        Files.createDirectories(sidecar.getParent());
        Path tempSidecar = TempFiles.siblingTemp(sidecar);
        try {
            Files.write(tempSidecar, JSON.writeValueAsBytes(content), StandardOpenOption.CREATE_NEW);
            Files.move(tempSidecar, sidecar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tempSidecar);
        }
    }

    @Override
    public Map<String, String> read(String key, Path file, BasicFileAttributes attrs) {
        Sidecar content;
        try {
            content = JSON.readValue(Files.readAllBytes(path(key)), Sidecar.class);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return Map.of();
        } catch (IOException e) {
            LOGGER.warnf("unreadable metadata sidecar ignored" + STORE + KEY + ERROR, "file", key, e.getMessage());
            return Map.of();
        }
        boolean sameFile = content.size() == attrs.size()
                && (content.fileKey() == null || content.fileKey().equals(fileKey(attrs)));
        return sameFile && content.metadata() != null ? content.metadata() : Map.of();
    }

    /** Deletes the sidecar of {@code key}, if there is one (after its file: a sidecar without its file is ignored). */
    void forget(String key) throws IOException {
        Files.deleteIfExists(path(key));
    }

    private Path path(String key) {
        return folder.resolve(key + ".json");
    }

    private static String fileKey(BasicFileAttributes attrs) {
        Object fileKey = attrs.fileKey();
        return fileKey == null ? null : fileKey.toString();
    }
}
