package dev.hubmirror.store.fs;

import static dev.hubmirror.log.LogKeys.KEY;
import static dev.hubmirror.log.LogKeys.STORE;
import static dev.hubmirror.log.LogKeys.UPLOAD_ID;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.store.CheckedMultipartUpload;
import dev.hubmirror.store.Part;
import dev.hubmirror.store.PartReceipt;
import dev.hubmirror.store.StoreException;
import io.smallrye.mutiny.Uni;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * One upload into a temp file under {@code .hub-mirror/tmp/}: parts are written at their offsets, in any order and
 * concurrently; {@link #complete} fsyncs the file and publishes it onto its key ({@link FilesystemObjectStore#publish});
 * {@link #abort} deletes it.
 */
final class FileUpload extends CheckedMultipartUpload {

    private static final Logger LOGGER = Logger.getLogger(FileUpload.class);

    private final FilesystemObjectStore store;
    private final Map<String, String> metadata;
    private final Path target;
    private final Path temp;

    FileUpload(FilesystemObjectStore store, String key, long size, Map<String, String> metadata, Path target,
            Path temp) {
        super(key, size, FilesystemObjectStore.LIMITS);
        this.store = store;
        this.metadata = metadata;
        this.target = target;
        this.temp = temp;
    }

    @Override
    public String id() {
        return temp.getFileName().toString();
    }

    @Override
    protected Uni<PartReceipt> uploadChecked(Part part) {
        return store.blocking("uploadPart", key(), () -> {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                FilesystemObjectStore.writeAt(channel, part.content(), part.offset());
            } catch (NoSuchFileException e) {
                // removed by another process (its cleanup after a crash, see abortUploads): the file may start again
                throw new StoreException(Reason.STORE_ERROR, true, "upload " + id() + " of store key '" + key()
                        + "' was aborted: its temp file is gone; start the file again", e);
            }
            return new PartReceipt(part.number(), part.offset(), part.length(), part.offset() + "+" + part.length());
        });
    }

    @Override
    protected Uni<Void> completeChecked(List<PartReceipt> sorted) {
        return store.blocking("complete", key(), () -> {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                if (channel.size() != size()) {
                    throw new StoreException(Reason.STORE_ERROR, false, "upload " + id() + " of store key '"
                            + key() + "' holds " + channel.size() + " bytes, expected " + size(), null);
                }
                channel.force(true);
            }
            store.publish(key(), temp, target, metadata, false);
            store.temps().published(temp);
            LOGGER.debugf("upload completed" + STORE + KEY + UPLOAD_ID, "file", key(), id());
            return null;
        });
    }

    @Override
    protected Uni<Void> abortChecked() {
        return store.blocking("abort", key(), () -> {
            store.temps().discard(temp);
            LOGGER.debugf("upload aborted" + STORE + KEY + UPLOAD_ID, "file", key(), id());
            return null;
        });
    }
}
