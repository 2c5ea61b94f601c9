package dev.hubmirror.store.fs;

import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.KEY;
import static dev.hubmirror.log.LogKeys.MODE;
import static dev.hubmirror.log.LogKeys.ROOT;
import static dev.hubmirror.log.LogKeys.STORE;
import static dev.hubmirror.log.LogKeys.UPLOAD_ID;

import dev.hubmirror.failure.Reason;
import dev.hubmirror.store.AbstractObjectStore;
import dev.hubmirror.store.BlockingPool;
import dev.hubmirror.store.Content;
import dev.hubmirror.store.MultipartUpload;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.StoreException;
import dev.hubmirror.store.StoreKeys;
import dev.hubmirror.store.StoreLimits;
import dev.hubmirror.store.StoreLocation;
import dev.hubmirror.store.StoreSettings;
import dev.hubmirror.store.StoredObject;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jboss.logging.Logger;

/**
 * An {@link ObjectStore} over a directory: the service's embedded default, and a real target for users whose
 * cluster cache is a PVC or an NFS share. Keys map to paths under the root directory ({@code StoreLocation.prefix()},
 * an absolute path), so {@code models--org--name/snapshots/<commit>/config.json} becomes exactly the file
 * {@code huggingface_hub} reads with {@code HF_HUB_CACHE=<root>}.
 *
 * <p><b>Parts.</b> This class is the store itself: keys to paths, stat, read, put, copy, delete, the publishing rename.
 * The temp files and their sweeper are {@link TempFiles}, the multipart upload {@link FileUpload}, the metadata
 * {@link FileMetadata} (extended attributes or sidecars); the store contract ({@link AbstractObjectStore}: key rules,
 * metadata normal form, receipts that cover the object) is the port's.
 *
 * <p><b>Threads.</b> Every file operation runs on a named, bounded worker pool ({@value #POOL_NAME}, a
 * {@link BlockingPool}), never on an event loop. All methods are lazy: nothing touches the disk until subscription,
 * and re-subscribing repeats the operation.
 *
 * <p><b>Visibility.</b> Nothing partial is ever visible under a key. An upload writes to a temp file outside every
 * key's namespace, under {@code <root>/.hub-mirror/tmp/} in the key's folder path ({@code
 * .hub-mirror/tmp/<folder of the key>/.<name>.<random>.part}); {@link MultipartUpload#complete} fsyncs it, records
 * the metadata, renames it atomically onto the key ({@code rename(2)}, replacing an existing file; the temp tree is
 * under the root, so on the same filesystem unless a mount point sits below the root) and fsyncs the directory.
 * {@code put} and {@code copy} go through a temp file and the same rename. {@link MultipartUpload#abort} deletes the
 * temp file. Keys under {@code .hub-mirror/} are refused, so no repo file can ever be named like a temp file: a repo
 * that ships {@code .config.json.0123456789abcdef.part} is just another snapshot file, and {@code abortUploads} only
 * ever looks under {@code .hub-mirror/tmp/}. A temp file left by a crash is invisible to loading and to cache scans,
 * is deleted by {@code abortUploads} (the next job for that snapshot), and may be deleted at any time:
 * {@code find <root>/.hub-mirror/tmp -type f -delete} while no job runs. Empty folders stay there; they may be deleted
 * likewise.
 *
 * <p><b>Metadata.</b> User metadata (e.g. {@code hub-mirror-sha256}) is stored as user extended attributes
 * ({@code user.<name>}, one attribute per entry, set on the temp file before the rename so that it arrives with the
 * bytes) when the root's filesystem supports them; this is checked once, by writing an attribute on a probe file in
 * the root, because some filesystems (overlay, older tmpfs, some NFS exports) report support but refuse the write.
 * Otherwise the metadata goes to a sidecar file {@code <root>/.hub-mirror/meta/<key>.json}, written before the rename;
 * it records the size and the inode of the file it describes, and {@code stat} only returns it when the visible file
 * still has that size and inode, so metadata never claims more than what is visible. Keys whose first segment is
 * {@code .hub-mirror} are refused.
 *
 * <p><b>Copies.</b> {@code copy} creates a hard link when it can (no bytes move, no extra space); both names share
 * the same bytes and metadata, which is safe because this store never writes a file in place: every write replaces
 * the name by a rename. When linking fails (a filesystem without hard links, another device) it copies the bytes.
 *
 * <p><b>Keys.</b> Keys follow the store contract's rules ({@link StoreKeys}), with {@code .hub-mirror/} reserved; a
 * key that would still resolve outside the root is refused with {@link Reason#UNSAFE_PATH}, as defence in depth
 * behind the transfer engine's own path checks.
 */
public final class FilesystemObjectStore extends AbstractObjectStore implements AutoCloseable {

    /** Name of the worker pool that runs the blocking file IO. */
    public static final String POOL_NAME = "hub-mirror-fs";

    /** Worker threads used when the caller does not choose. */
    public static final int DEFAULT_WORKERS = 8;

    /** No part minimum (a file has none), at most 10,000 parts of up to 5 GiB, like S3. */
    public static final StoreLimits LIMITS = new StoreLimits(1, StoreLimits.S3.maxPartSize(), StoreLimits.S3.maxParts());

    /** Directory under the root for the store's own files; keys may not start with it. */
    static final String INTERNAL_DIR = ".hub-mirror";

    /** Bytes one {@code read} step reads from the file (one worker task each). */
    static final int READ_CHUNK = 256 * 1024;

    private static final Logger LOGGER = Logger.getLogger(FilesystemObjectStore.class);

    /** Where metadata is kept; {@link #DETECT} picks one on first use. */
    enum MetadataMode {
        DETECT, XATTR, SIDECAR
    }

    private final Path root;
    private final TempFiles temps;
    private final BlockingPool workers;
    private final SidecarMetadata sidecars;
    private final Object modeLock = new Object();
    /** The metadata kind in use; {@code null} until detected. */
    private volatile FileMetadata metadata;
    private final boolean linkCopies;

    /** A store over {@code location.prefix()} with {@value #DEFAULT_WORKERS} worker threads. */
    public FilesystemObjectStore(StoreLocation location, Vertx vertx) {
        this(location, vertx, DEFAULT_WORKERS);
    }

    /** A store built from the shared store settings (Vert.x), with {@value #DEFAULT_WORKERS} worker threads. */
    public FilesystemObjectStore(StoreLocation location, StoreSettings settings) {
        this(location, settings.vertx());
    }

    /** A store over {@code location.prefix()} whose file IO runs on at most {@code workers} threads. */
    public FilesystemObjectStore(StoreLocation location, Vertx vertx, int workers) {
        this(location, vertx, workers, MetadataMode.DETECT, true);
    }

    /** As the public constructors; {@code linkCopies} false makes {@code copy} always copy bytes (tests). */
    FilesystemObjectStore(StoreLocation location, Vertx vertx, int workers, MetadataMode mode, boolean linkCopies) {
        super(new StoreKeys("", StoreKeys.UNLIMITED, INTERNAL_DIR));
        if (!"file".equals(location.scheme())) {
            throw new IllegalArgumentException("FilesystemObjectStore needs a file location, got scheme '"
                    + location.scheme() + "'");
        }
        Path path = Path.of(location.prefix());
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("store root '" + location.prefix() + "' is not an absolute path");
        }
        this.root = path.normalize();
        this.temps = new TempFiles(root, INTERNAL_DIR);
        this.sidecars = new SidecarMetadata(root.resolve(INTERNAL_DIR).resolve("meta"));
        this.workers = new BlockingPool(vertx, POOL_NAME, workers, "workers");
        this.metadata = switch (mode) {
            case DETECT -> null;
            case XATTR -> new XattrMetadata();
            case SIDECAR -> sidecars;
        };
        this.linkCopies = linkCopies;
    }

    /** The root directory. */
    public Path root() {
        return root;
    }

    @Override
    public String kind() {
        return "file";
    }

    @Override
    public StoreLimits limits() {
        return LIMITS;
    }

    @Override
    protected String urlOf(String key) {
        // a key ending in '/' (or empty) names a folder, e.g. a snapshot: its URL ends in '/' too
        boolean folder = StoreKeys.isFolder(key);
        String trimmed = folder && !key.isEmpty() ? key.substring(0, key.length() - 1) : key;
        Path path = trimmed.isEmpty() ? root : resolve(trimmed);
        try {
            return new URI("file", "", path.toString() + (folder ? "/" : ""), null, null).toASCIIString();
        } catch (URISyntaxException e) {
            throw new StoreException(Reason.UNSAFE_PATH, false,
                    "store key '" + key + "' cannot be written as a file URL: " + e.getMessage(), e);
        }
    }

    /**
     * One part of a file at a time: parts written concurrently into one file only contend for the file's inode lock in
     * the kernel (measured on tmpfs: 4 parallel part writes cost 2.39 core-s/GiB end to end, one at a time 1.89, and
     * were slower too); the pipeline keeps fetching and hashing the next parts meanwhile.
     */
    @Override
    public int maxPartsInFlight() {
        return 1;
    }

    @Override
    protected Uni<Optional<StoredObject>> statChecked(String key) {
        return blocking("stat", key, () -> {
            Path path = resolve(key);
            BasicFileAttributes attrs;
            try {
                attrs = Files.readAttributes(path, BasicFileAttributes.class);
            } catch (NoSuchFileException | NotDirectoryException e) {
                return Optional.empty();
            }
            if (!attrs.isRegularFile()) {
                return Optional.empty();
            }
            return Optional.of(new StoredObject(key, attrs.size(), metadata().read(key, path, attrs)));
        });
    }

    @Override
    protected Multi<ByteBuffer> readChecked(String key) {
        return workers.readChunks(position -> readChunk(key, position), e -> translate("read", key, e));
    }

    /** Up to {@link #READ_CHUNK} bytes at {@code position}; an empty buffer at the end of the file. */
    private ByteBuffer readChunk(String key, long position) throws IOException {
        Path path = resolve(key);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer chunk = ByteBuffer.allocate(READ_CHUNK);
            while (chunk.hasRemaining()) {
                int n = channel.read(chunk, position + chunk.position());
                if (n < 0) {
                    break;
                }
            }
            return chunk.flip();
        } catch (NoSuchFileException | NotDirectoryException e) {
            throw new StoreException(Reason.STORE_ERROR, false, "cannot read store key '" + key + "': no such object "
                    + "under " + root, e);
        }
    }

    @Override
    protected Uni<Void> putChecked(String key, Content content, Map<String, String> meta) {
        return blocking("put", key, () -> {
            Path target = resolve(key);
            publishThrough(temps.create(target), key, target, meta, temp -> {
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    writeAt(channel, content, 0);
                    channel.force(true);
                }
                return false;
            });
            return null;
        });
    }

    @Override
    protected Uni<MultipartUpload> beginChecked(String key, long size, Map<String, String> meta) {
        return blocking("beginUpload", key, () -> {
            Path target = resolve(key);
            Path temp = temps.create(target);
            LOGGER.debugf("upload begun" + STORE + KEY + UPLOAD_ID, "file", key, temp.getFileName());
            return new FileUpload(this, key, size, meta, target, temp);
        });
    }

    /**
     * Deletes the temp files ({@code .<name>.<random>.part} under {@code .hub-mirror/tmp/}) of the prefix's folder (a
     * folder prefix ending in {@code /}, searched recursively) or of the key, except those of uploads this instance is
     * running: the leftovers of a process killed mid-upload ({@link TempFiles#sweep}).
     */
    @Override
    protected Uni<Integer> abortUploadsChecked(String prefix) {
        return blocking("abortUploads", prefix, () -> {
            if (prefix.isEmpty()) {
                return temps.sweep(root, null);
            }
            if (StoreKeys.isFolder(prefix)) {
                return temps.sweep(resolve(prefix.substring(0, prefix.length() - 1)), null);
            }
            Path file = resolve(prefix);
            return temps.sweep(file.getParent(), file);
        });
    }

    @Override
    protected Uni<Void> copyChecked(String sourceKey, String targetKey) {
        return blocking("copy", targetKey, () -> {
            Path source = resolve(sourceKey);
            Path target = resolve(targetKey);
            BasicFileAttributes attrs;
            try {
                attrs = Files.readAttributes(source, BasicFileAttributes.class);
            } catch (NoSuchFileException | NotDirectoryException e) {
                throw new StoreException(Reason.STORE_ERROR, false, "cannot copy store key '" + sourceKey
                        + "' to '" + targetKey + "': the source does not exist under " + root, e);
            }
            if (!attrs.isRegularFile()) {
                throw new StoreException(Reason.STORE_ERROR, false, "cannot copy store key '" + sourceKey
                        + "' to '" + targetKey + "': the source is not a regular file", null);
            }
            Map<String, String> meta = metadata().read(sourceKey, source, attrs);
            publishThrough(temps.reserve(target), targetKey, target, meta, temp -> {
                if (linkCopies && link(temp, source, targetKey)) {
                    return true;
                }
                Files.copy(source, temp);
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    channel.force(true);
                }
                return false;
            });
            return null;
        });
    }

    @Override
    protected Uni<Void> deleteChecked(String key) {
        return blocking("delete", key, () -> {
            Path path = resolve(key);
            try {
                Files.deleteIfExists(path);
            } catch (NotDirectoryException e) {
                return null;
            }
            // the file goes first: stat ignores a sidecar whose file is gone
            sidecars.forget(key);
            return null;
        });
    }

    @Override
    public Uni<Void> probe() {
        return blocking("probe", INTERNAL_DIR, () -> {
            Files.createDirectories(root);
            Path probe = root.resolve(".hub-mirror-probe-" + TempFiles.randomHex());
            try {
                Files.write(probe, "probe".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.CREATE_NEW);
            } finally {
                Files.deleteIfExists(probe);
            }
            metadataMode();
            return null;
        });
    }

    /** Releases this store's share of the worker pool. */
    @Override
    public void close() {
        workers.close();
    }

    /** The metadata mode in use, detecting it if needed (blocking; worker threads only). */
    MetadataMode metadataMode() throws IOException {
        return metadata().mode();
    }

    /** A fresh temp path for a file under the root ({@link TempFiles#tempFor}). */
    Path tempFor(Path target) {
        return temps.tempFor(target);
    }

    /** The temp files of this store. */
    TempFiles temps() {
        return temps;
    }

    /**
     * Records the metadata for {@code temp}, renames it onto {@code target} and fsyncs the directory; {@code linked}
     * says {@code temp} is a hard link to a visible file, whose extended attributes it already shares.
     */
    void publish(String key, Path temp, Path target, Map<String, String> meta, boolean linked) throws IOException {
        metadata().write(key, temp, meta, linked);
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new StoreException(Reason.STORE_ERROR, false, "cannot publish store key '" + key
                    + "': the filesystem under " + root + " does not support atomic rename", e);
        }
        fsyncDirectory(target.getParent());
    }

    /**
     * Fills {@code temp} with {@code fill}, publishes it onto {@code key} and discards whatever is left of it (a
     * failure's temp file; after a rename between two links of one inode, which does nothing, the temp name).
     */
    private void publishThrough(Path temp, String key, Path target, Map<String, String> meta, TempFill fill)
            throws IOException {
        try {
            publish(key, temp, target, meta, fill.fill(temp));
        } finally {
            temps.discard(temp);
        }
    }

    /** Writes a temp file's bytes. */
    @FunctionalInterface
    private interface TempFill {

        /** Fills {@code temp}; returns whether it is a hard link to a visible file rather than bytes of its own. */
        boolean fill(Path temp) throws IOException;
    }

    /**
     * Writes every byte of {@code content} at {@code position}, straight from the caller's (direct) buffers, with
     * gathering writes ({@code writev}: one system call for many pages). The channel is the caller's own.
     */
    static void writeAt(FileChannel channel, Content content, long position) throws IOException {
        ByteBuffer[] views = content.views();
        long left = content.length();
        channel.position(position);
        int first = 0;
        while (left > 0) {
            left -= channel.write(views, first, views.length - first);
            while (first < views.length && !views[first].hasRemaining()) {
                first++;
            }
        }
    }

    /** Runs blocking file IO on the worker pool, translating IO errors; lazy and re-subscribable. */
    <T> Uni<T> blocking(String operation, String key, Callable<T> work) {
        return workers.run(work, e -> translate(operation, key, e));
    }

    /** Maps a checked key to a path under the root, refusing anything that could still escape it. */
    Path resolve(String key) {
        Path path;
        try {
            path = root.resolve(key).normalize();
        } catch (InvalidPathException e) {
            throw unsafe(key, e.getMessage());
        }
        if (!path.startsWith(root) || path.equals(root)) {
            throw unsafe(key, "it resolves outside " + root);
        }
        return path;
    }

    /** The metadata kind in use, detecting it on first use (blocking; worker threads only). */
    private FileMetadata metadata() throws IOException {
        FileMetadata m = metadata;
        if (m != null) {
            return m;
        }
        synchronized (modeLock) {
            if (metadata == null) {
                MetadataMode detected = FileMetadata.detect(root);
                metadata = detected == MetadataMode.XATTR ? new XattrMetadata() : sidecars;
                LOGGER.infof("metadata mode chosen" + STORE + ROOT + MODE, "file", root, detected);
            }
            return metadata;
        }
    }

    /** Tries to hard-link {@code link} to {@code existing}; false when the filesystem refuses. */
    private static boolean link(Path link, Path existing, String key) throws IOException {
        try {
            Files.createLink(link, existing);
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            LOGGER.debugf("hard link refused, copying bytes" + STORE + KEY + ERROR, "file", key, e);
            Files.deleteIfExists(link);
            return false;
        }
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // some filesystems (and platforms) refuse to open or sync a directory; the rename is still atomic
            LOGGER.debugf("directory fsync skipped" + STORE + ERROR, "file", e.getMessage());
        }
    }

    private static StoreException unsafe(String key, String why) {
        return new StoreException(Reason.UNSAFE_PATH, false,
                "store key '" + key + "' refused: " + why + "; keys are relative paths with '/' separators", null);
    }

    private StoreException translate(String operation, String key, Throwable e) {
        if (e instanceof StoreException se) {
            return se;
        }
        String what = operation + " of store key '" + key + "' under " + root + " failed";
        if (e instanceof AccessDeniedException) {
            return new StoreException(Reason.STORE_ACCESS_DENIED, false,
                    what + ": permission denied on " + e.getMessage() + "; give the service's user write access", e);
        }
        if (e instanceof NotDirectoryException || e instanceof FileAlreadyExistsException
                || e instanceof DirectoryNotEmptyException) {
            return new StoreException(Reason.STORE_ERROR, false, what + ": " + e.getClass().getSimpleName() + " "
                    + e.getMessage() + "; a file and a directory clash on this path, remove the stray one", e);
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null
                && fse.getReason().toLowerCase(Locale.ROOT).contains("too long")) {
            return new StoreException(Reason.UNSAFE_PATH, false,
                    what + ": the path is too long for this filesystem (" + fse.getReason() + ")", e);
        }
        if (e instanceof IOException) {
            return new StoreException(Reason.STORE_UNAVAILABLE, true,
                    what + ": " + e + "; check free space and the mount", e);
        }
        return new StoreException(Reason.INTERNAL, false, what + ": unexpected " + e, e);
    }
}
