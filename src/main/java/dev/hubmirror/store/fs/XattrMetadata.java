package dev.hubmirror.store.fs;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.store.StoreException;
import dev.hubmirror.store.fs.FilesystemObjectStore.MetadataMode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Map;
import java.util.TreeMap;

/**
 * Metadata as user extended attributes, {@code user.<name>}, one attribute per entry, set on the temp file before the
 * rename. A hard link shares its file's attributes, so a linked copy writes none.
 */
record XattrMetadata() implements FileMetadata {

    @Override
    public MetadataMode mode() {
        return MetadataMode.XATTR;
    }

    @Override
    public void write(String key, Path temp, Map<String, String> metadata, boolean linked) throws IOException {
        if (linked) {
            return;
        }
        UserDefinedFileAttributeView view = Files.getFileAttributeView(temp, UserDefinedFileAttributeView.class);
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            try {
                view.write(e.getKey(), StandardCharsets.UTF_8.encode(e.getValue()));
            } catch (FileSystemException ex) {
                throw new StoreException(Reason.STORE_ERROR, false, "cannot store metadata '" + e.getKey()
                        + "' of store key '" + key + "' as an extended attribute: " + ex.getMessage(), ex);
            }
        }
    }

    @Override
    public Map<String, String> read(String key, Path file, BasicFileAttributes attrs) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        Map<String, String> metadata = new TreeMap<>();
        for (String name : view.list()) {
            ByteBuffer value = ByteBuffer.allocate(view.size(name));
            view.read(name, value);
            value.flip();
            metadata.put(name, StandardCharsets.UTF_8.decode(value).toString());
        }
        return metadata;
    }
}
