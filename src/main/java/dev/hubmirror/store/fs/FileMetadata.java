package dev.hubmirror.store.fs;

import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.ROOT;
import static dev.hubmirror.log.LogKeys.STORE;

import dev.hubmirror.store.fs.FilesystemObjectStore.MetadataMode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Where a directory store keeps a file's user metadata: as extended attributes of the file ({@link XattrMetadata})
 * when the root's filesystem really supports them, else in a sidecar file ({@link SidecarMetadata}). Metadata is
 * written on the temp file (or beside it) before the temp file is renamed onto its key, so that it arrives with the
 * bytes. Blocking; worker threads only.
 */
sealed interface FileMetadata permits XattrMetadata, SidecarMetadata {

    /** Which kind this is. */
    MetadataMode mode();

    /**
     * Records {@code metadata} for {@code temp}, about to be renamed onto {@code key}; {@code linked}: {@code temp} is
     * a hard link to a visible file, whose metadata it may already share.
     */
    void write(String key, Path temp, Map<String, String> metadata, boolean linked) throws IOException;

    /** The metadata of the visible file {@code file} of {@code key}, whose attributes are {@code attrs}. */
    Map<String, String> read(String key, Path file, BasicFileAttributes attrs) throws IOException;

    /**
     * The metadata kind that round-trips on {@code root}'s filesystem. Asked by writing an attribute on a probe file,
     * because some filesystems (overlay, older tmpfs, some NFS exports) report support but refuse the write.
     */
    static MetadataMode detect(Path root) throws IOException {
        Files.createDirectories(root);
        Path probe = root.resolve(".hub-mirror-xattr-probe-" + TempFiles.randomHex());
        try {
            Files.createFile(probe);
            UserDefinedFileAttributeView view = Files.getFileAttributeView(probe, UserDefinedFileAttributeView.class);
            if (view == null) {
                return MetadataMode.SIDECAR;
            }
            view.write("hub-mirror-probe", ByteBuffer.wrap(new byte[] {'1'}));
            return view.list().contains("hub-mirror-probe") ? MetadataMode.XATTR : MetadataMode.SIDECAR;
        } catch (IOException | UnsupportedOperationException e) {
            Logger.getLogger(FileMetadata.class).debugf("user xattrs refused" + STORE + ROOT + ERROR, "file", root, e);
            return MetadataMode.SIDECAR;
        } finally {
            Files.deleteIfExists(probe);
        }
    }
}
