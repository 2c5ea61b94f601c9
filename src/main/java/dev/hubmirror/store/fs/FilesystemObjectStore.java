package dev.hubmirror.store.fs;

import static dev.hubmirror.log.LogKeys.ERROR;
import static dev.hubmirror.log.LogKeys.KEY;
import static dev.hubmirror.log.LogKeys.MODE;
import static dev.hubmirror.log.LogKeys.ROOT;
import static dev.hubmirror.log.LogKeys.STORE;
import static dev.hubmirror.log.LogKeys.UPLOAD_ID;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubmirror.failure.Reason;
import dev.hubmirror.store.Content;
import dev.hubmirror.store.MultipartUpload;
import dev.hubmirror.store.ObjectStore;
import dev.hubmirror.store.Part;
import dev.hubmirror.store.PartReceipt;
import dev.hubmirror.store.StoreException;
import dev.hubmirror.store.StoreLimits;
import dev.hubmirror.store.StoreLocation;
import dev.hubmirror.store.StoredObject;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
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
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * An {@link ObjectStore} over a directory: the service's embedded default, and a real target for users whose
 * cluster cache is a PVC or an NFS share. Keys map to paths under the root directory ({@code StoreLocation.prefix()},
 * an absolute path), so {@code models--org--name/snapshots/<commit>/config.json} becomes exactly the file
 * {@code huggingface_hub} reads with {@code HF_HUB_CACHE=<root>}.
 *
 * <p><b>Threads.</b> Every file operation runs on a named, bounded Vert.x worker pool ({@value #POOL_NAME}), never on
 * an event loop. All methods are lazy: nothing touches the disk until subscription, and re-subscribing repeats the
 * operation.
 *
 * <p><b>Visibility.</b> Nothing partial is ever visible under a key. An upload writes to a temp file outside every
 * key's namespace, under {@code <root>/.hub-mirror/tmp/} in the key's folder path ({@code
 * .hub-mirror/tmp/<folder of the key>/.<name>.<random>.part}); {@link MultipartUpload#complete} fsyncs it, records
 * the metadata, renames it atomically onto the key ({@code rename(2)}, replacing an existing file; the temp tree is
 * under the root, so on the same filesystem unless a mount point sits below the root) and fsyncs the directory.
 * {@link #put} and {@link #copy} go through a temp file and the same rename. {@link MultipartUpload#abort} deletes the
 * temp file. Keys under {@code .hub-mirror/} are refused, so no repo file can ever be named like a temp file: a repo
 * that ships {@code .config.json.0123456789abcdef.part} is just another snapshot file, and {@link #abortUploads} only
 * ever looks under {@code .hub-mirror/tmp/}. A temp file left by a crash is invisible to loading and to cache scans,
 * is deleted by {@link #abortUploads} (the next job for that snapshot), and may be deleted at any time:
 * {@code find <root>/.hub-mirror/tmp -type f -delete} while no job runs. Empty folders stay there; they may be deleted
 * likewise.
 *
 * <p><b>Metadata.</b> User metadata (e.g. {@code hub-mirror-sha256}) is stored as user extended attributes
 * ({@code user.<name>}, one attribute per entry, set on the temp file before the rename so that it arrives with the
 * bytes) when the root's filesystem supports them; this is checked once, by writing an attribute on a probe file in
 * the root, because some filesystems (overlay, older tmpfs, some NFS exports) report support but refuse the write.
 * Otherwise the metadata goes to a sidecar file {@code <root>/.hub-mirror/meta/<key>.json}, written before the rename;
 * it records the size and the inode of the file it describes, and {@link #stat} only returns it when the visible file
 * still has that size and inode, so metadata never claims more than what is visible. Keys whose first segment is
 * {@code .hub-mirror} are refused.
 *
 * <p><b>Copies.</b> {@link #copy} creates a hard link when it can (no bytes move, no extra space); both names share
 * the same bytes and metadata, which is safe because this store never writes a file in place: every write replaces
 * the name by a rename. When linking fails (a filesystem without hard links, another device) it copies the bytes.
 *
 * <p><b>Keys.</b> A key that is empty, absolute, contains a backslash, a NUL, an empty segment, {@code .} or
 * {@code ..}, or would resolve outside the root is refused with {@link Reason#UNSAFE_PATH}, as defence in depth
 * behind the transfer engine's own path checks.
 */
public final class FilesystemObjectStore implements ObjectStore, AutoCloseable {

    /** Name of the worker pool that runs the blocking file IO. */
    public static final String POOL_NAME = "hub-mirror-fs";

    /** Worker threads used when the caller does not choose. */
    public static final int DEFAULT_WORKERS = 8;

    /** No part minimum (a file has none), at most 10,000 parts of up to 5 GiB, like S3. */
    public static final StoreLimits LIMITS = new StoreLimits(1, StoreLimits.S3.maxPartSize(), StoreLimits.S3.maxParts());

    /** Directory under the root for the store's own files; keys may not start with it. */
    static final String INTERNAL_DIR = ".hub-mirror";
    /** Directory under {@link #INTERNAL_DIR} that holds the temp files of unfinished writes. */
    static final String TEMP_DIR = "tmp";

    private static final Logger LOGGER = Logger.getLogger(FilesystemObjectStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long MAX_EXECUTE_MINUTES = 60;
    private static final int TEMP_NAME_CODE_POINTS = 48;
    /** The names {@link #tempFor} gives: {@code .<name>.<16 hex digits>.part}. */
    private static final Pattern TEMP_NAME = Pattern.compile("\\..+\\.[0-9a-f]{16}\\.part");

    /** Where metadata is kept; {@link #DETECT} picks one on first use. */
    enum MetadataMode {
        DETECT, XATTR, SIDECAR
    }

    private final Path root;
    /** {@code <root>/.hub-mirror/tmp}: every temp file of a write lives below it, never beside a key. */
    private final Path tempRoot;
    private final WorkerExecutor workers;
    private final Object modeLock = new Object();
    private volatile MetadataMode mode;
    private final boolean linkCopies;
    /** Temp files this instance created and has not published or deleted yet. */
    private final Set<Path> running = ConcurrentHashMap.newKeySet();

    /** A store over {@code location.prefix()} with {@value #DEFAULT_WORKERS} worker threads. */
    public FilesystemObjectStore(StoreLocation location, Vertx vertx) {
        this(location, vertx, DEFAULT_WORKERS);
    }

    /** A store over {@code location.prefix()} whose file IO runs on at most {@code workers} threads. */
    public FilesystemObjectStore(StoreLocation location, Vertx vertx, int workers) {
        this(location, vertx, workers, MetadataMode.DETECT, true);
    }

    /** As the public constructors; {@code linkCopies} false makes {@link #copy} always copy bytes (tests). */
    FilesystemObjectStore(StoreLocation location, Vertx vertx, int workers, MetadataMode mode, boolean linkCopies) {
        if (!"file".equals(location.scheme())) {
            throw new IllegalArgumentException("FilesystemObjectStore needs a file location, got scheme '"
                    + location.scheme() + "'");
        }
        Path path = Path.of(location.prefix());
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("store root '" + location.prefix() + "' is not an absolute path");
        }
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        this.root = path.normalize();
        this.tempRoot = root.resolve(INTERNAL_DIR).resolve(TEMP_DIR);
        this.workers = vertx.createSharedWorkerExecutor(POOL_NAME, workers, MAX_EXECUTE_MINUTES, TimeUnit.MINUTES);
        this.mode = mode;
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
    public String url(String key) {
        // a key ending in '/' (or empty) names a folder, e.g. a snapshot: its URL ends in '/' too
        boolean folder = key.isEmpty() || key.endsWith("/");
        String trimmed = folder && !key.isEmpty() ? key.substring(0, key.length() - 1) : key;
        Path path = trimmed.isEmpty() ? root : resolve(trimmed);
        try {
            return new URI("file", "", path.toString() + (folder ? "/" : ""), null, null).toASCIIString();
        } catch (URISyntaxException e) {
            throw new StoreException(Reason.UNSAFE_PATH, false,
                    "store key '" + key + "' cannot be written as a file URL: " + e.getMessage(), e);
        }
    }

    @Override
    public StoreLimits limits() {
        return LIMITS;
    }

    @Override
    public Uni<Optional<StoredObject>> stat(String key) {
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
            return Optional.of(new StoredObject(key, attrs.size(), readMetadata(key, path, attrs)));
        });
    }

    /** Bytes one {@link #read} step reads from the file (one worker task each). */
    static final int READ_CHUNK = 256 * 1024;

    @Override
    public Multi<ByteBuffer> read(String key) {
        return Multi.createFrom().deferred(() -> {
            long[] position = {0};
            return Multi.createBy().repeating()
                    .uni(() -> blocking("read", key, () -> {
                        ByteBuffer chunk = readChunk(key, position[0]);
                        position[0] += chunk.remaining();
                        return chunk;
                    }))
                    .until(chunk -> !chunk.hasRemaining());
        });
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
    public Uni<Void> put(String key, Content content, Map<String, String> metadata) {
        return blocking("put", key, () -> {
            Path target = resolve(key);
            Path temp = createTemp(target);
            try {
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    writeAt(channel, content, 0);
                    channel.force(true);
                }
                publish(key, temp, target, metadata);
            } finally {
                Files.deleteIfExists(temp);
                running.remove(temp);
            }
            return null;
        });
    }

    @Override
    public Uni<MultipartUpload> beginUpload(String key, long size, Map<String, String> metadata) {
        Map<String, String> meta = Map.copyOf(metadata);
        return blocking("beginUpload", key, () -> {
            if (size < 0) {
                throw new StoreException(Reason.INTERNAL, false,
                        "upload of store key '" + key + "' has a negative size " + size, null);
            }
            Path target = resolve(key);
            Path temp = createTemp(target);
            LOGGER.debugf("upload begun" + STORE + KEY + UPLOAD_ID, "file", key, temp.getFileName());
            return new FileUpload(key, size, meta, target, temp);
        });
    }

    /**
     * Deletes the temp files ({@code .<name>.<random>.part} under {@code .hub-mirror/tmp/}) of the prefix's folder (a
     * folder prefix ending in {@code /}, searched recursively) or of the key, except those of uploads this instance is
     * running: the leftovers of a process killed mid-upload. They were never visible under a key, and nothing outside
     * {@code .hub-mirror/tmp/} is ever looked at, so no visible file can be taken for one, whatever its name.
     */
    @Override
    public Uni<Integer> abortUploads(String prefix) {
        return blocking("abortUploads", prefix, () -> {
            boolean folder = prefix.isEmpty() || prefix.endsWith("/");
            String trimmed = folder && !prefix.isEmpty() ? prefix.substring(0, prefix.length() - 1) : prefix;
            Path dir = trimmed.isEmpty() ? tempRoot : folder ? tempFolder(resolve(trimmed))
                    : tempFolder(resolve(trimmed).getParent());
            if (!Files.isDirectory(dir)) {
                return 0;
            }
            // of one key: only the temp names of that key (same shortened name, same length)
            String like = folder ? null : tempFor(resolve(trimmed)).getFileName().toString();
            String ownPrefix = like == null ? null : like.substring(0, like.length() - ".0123456789abcdef.part".length());
            List<Path> orphans;
            try (Stream<Path> files = folder ? Files.walk(dir) : Files.list(dir)) {
                orphans = files.filter(p -> p.startsWith(tempRoot))
                        .filter(p -> TEMP_NAME.matcher(p.getFileName().toString()).matches())
                        .filter(p -> like == null || p.getFileName().toString().length() == like.length()
                                && p.getFileName().toString().startsWith(ownPrefix + "."))
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
        });
    }

    @Override
    public Uni<Void> copy(String sourceKey, String targetKey) {
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
            Map<String, String> metadata = readMetadata(sourceKey, source, attrs);
            Path temp = tempFor(target);
            running.add(temp);
            try {
                Files.createDirectories(target.getParent());
                Files.createDirectories(temp.getParent());
                boolean linked = linkCopies && link(temp, source, targetKey);
                if (!linked) {
                    Files.copy(source, temp);
                    try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                        channel.force(true);
                    }
                }
                publish(targetKey, temp, target, metadata, linked);
            } finally {
                // rename(2) between two links of one inode does nothing and leaves the temp name behind
                Files.deleteIfExists(temp);
                running.remove(temp);
            }
            return null;
        });
    }

    @Override
    public Uni<Void> delete(String key) {
        return blocking("delete", key, () -> {
            Path path = resolve(key);
            try {
                Files.deleteIfExists(path);
            } catch (NotDirectoryException e) {
                return null;
            }
            // the file goes first: stat ignores a sidecar whose file is gone
            Files.deleteIfExists(sidecar(key));
            return null;
        });
    }

    @Override
    public Uni<Void> probe() {
        return blocking("probe", INTERNAL_DIR, () -> {
            Files.createDirectories(root);
            Path probe = root.resolve(".hub-mirror-probe-" + randomHex());
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
        MetadataMode m = mode;
        if (m != MetadataMode.DETECT) {
            return m;
        }
        synchronized (modeLock) {
            if (mode == MetadataMode.DETECT) {
                mode = detectMetadataMode();
                LOGGER.infof("metadata mode chosen" + STORE + ROOT + MODE, "file", root, mode);
            }
            return mode;
        }
    }

    private MetadataMode detectMetadataMode() throws IOException {
        Files.createDirectories(root);
        Path probe = root.resolve(".hub-mirror-xattr-probe-" + randomHex());
        try {
            Files.createFile(probe);
            UserDefinedFileAttributeView view = Files.getFileAttributeView(probe, UserDefinedFileAttributeView.class);
            if (view == null) {
                return MetadataMode.SIDECAR;
            }
            view.write("hub-mirror-probe", ByteBuffer.wrap(new byte[] {'1'}));
            return view.list().contains("hub-mirror-probe") ? MetadataMode.XATTR : MetadataMode.SIDECAR;
        } catch (IOException | UnsupportedOperationException e) {
            LOGGER.debugf("user xattrs refused" + STORE + ROOT + ERROR, "file", root, e);
            return MetadataMode.SIDECAR;
        } finally {
            Files.deleteIfExists(probe);
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

    /** Records the metadata for {@code temp}, renames it onto {@code target} and fsyncs the directory. */
    private void publish(String key, Path temp, Path target, Map<String, String> metadata) throws IOException {
        publish(key, temp, target, metadata, false);
    }

    /**
     * As {@link #publish(String, Path, Path, Map)}; {@code linked} says {@code temp} is a hard link to a visible file,
     * whose extended attributes it already shares and must not rewrite.
     */
    private void publish(String key, Path temp, Path target, Map<String, String> metadata, boolean linked)
            throws IOException {
        if (metadataMode() == MetadataMode.XATTR) {
            if (!linked) {
                writeXattrs(key, temp, metadata);
            }
        } else {
            writeSidecar(key, temp, metadata);
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new StoreException(Reason.STORE_ERROR, false, "cannot publish store key '" + key
                    + "': the filesystem under " + root + " does not support atomic rename", e);
        }
        fsyncDirectory(target.getParent());
    }

    private void writeXattrs(String key, Path file, Map<String, String> metadata) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            try {
                view.write(e.getKey().toLowerCase(Locale.ROOT), StandardCharsets.UTF_8.encode(e.getValue()));
            } catch (FileSystemException ex) {
                throw new StoreException(Reason.STORE_ERROR, false, "cannot store metadata '" + e.getKey()
                        + "' of store key '" + key + "' as an extended attribute: " + ex.getMessage(), ex);
            }
        }
    }

    private void writeSidecar(String key, Path file, Map<String, String> metadata) throws IOException {
        BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
        Map<String, String> lower = new TreeMap<>();
        metadata.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
        Sidecar content = new Sidecar(attrs.size(), fileKey(attrs), lower);
        Path sidecar = sidecar(key);
        Files.createDirectories(sidecar.getParent());
        Path temp = siblingTemp(sidecar);
        try {
            Files.write(temp, JSON.writeValueAsBytes(content), StandardOpenOption.CREATE_NEW);
            Files.move(temp, sidecar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private Map<String, String> readMetadata(String key, Path path, BasicFileAttributes attrs) throws IOException {
        if (metadataMode() == MetadataMode.XATTR) {
            UserDefinedFileAttributeView view = Files.getFileAttributeView(path, UserDefinedFileAttributeView.class);
            Map<String, String> metadata = new TreeMap<>();
            for (String name : view.list()) {
                ByteBuffer value = ByteBuffer.allocate(view.size(name));
                view.read(name, value);
                value.flip();
                metadata.put(name.toLowerCase(Locale.ROOT), StandardCharsets.UTF_8.decode(value).toString());
            }
            return metadata;
        }
        Path sidecar = sidecar(key);
        Sidecar content;
        try {
            content = JSON.readValue(Files.readAllBytes(sidecar), Sidecar.class);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return Map.of();
        } catch (IOException e) {
            LOGGER.warnf("unreadable metadata sidecar ignored" + STORE + KEY + ERROR, "file", key, e.getMessage());
            return Map.of();
        }
        boolean sameFile = content.size() == attrs.size()
                && (content.fileKey() == null || content.fileKey().equals(fileKey(attrs)));
        return sameFile && content.metadata() != null ? Map.copyOf(content.metadata()) : Map.of();
    }

    private static String fileKey(BasicFileAttributes attrs) {
        Object fileKey = attrs.fileKey();
        return fileKey == null ? null : fileKey.toString();
    }

    private Path sidecar(String key) {
        return root.resolve(INTERNAL_DIR).resolve("meta").resolve(key + ".json");
    }

    /** Creates the target's directory, the temp file's directory and an empty temp file for the target. */
    private Path createTemp(Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Path temp = tempFor(target);
        Files.createDirectories(temp.getParent());
        running.add(temp);
        Files.createFile(temp);
        return temp;
    }

    /**
     * A fresh temp path for a file under the root: in the mirror of the target's folder under {@code
     * .hub-mirror/tmp/}, named {@code .<name>.<random>.part}; long names are shortened so that it stays within 255
     * bytes.
     */
    Path tempFor(Path target) {
        return tempFolder(target.getParent()).resolve(tempFileName(target));
    }

    /** The folder under {@code .hub-mirror/tmp/} that holds the temp files of files in {@code folder}. */
    private Path tempFolder(Path folder) {
        return folder.equals(root) ? tempRoot : tempRoot.resolve(root.relativize(folder));
    }

    /** A temp path beside {@code target}, for the store's own files under {@code .hub-mirror/} (sidecars). */
    private static Path siblingTemp(Path target) {
        return target.resolveSibling(tempFileName(target));
    }

    private static String tempFileName(Path target) {
        String name = target.getFileName().toString();
        if (name.codePointCount(0, name.length()) > TEMP_NAME_CODE_POINTS) {
            name = name.substring(0, name.offsetByCodePoints(0, TEMP_NAME_CODE_POINTS));
        }
        return "." + name + "." + randomHex() + ".part";
    }

    private static String randomHex() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // some filesystems (and platforms) refuse to open or sync a directory; the rename is still atomic
            LOGGER.debugf("directory fsync skipped" + STORE + ERROR, "file", e.getMessage());
        }
    }

    /** Maps a key to a path under the root, refusing anything that could escape it. */
    Path resolve(String key) {
        if (key == null || key.isEmpty()) {
            throw unsafe(key, "it is empty");
        }
        if (key.indexOf('\\') >= 0 || key.indexOf('\0') >= 0) {
            throw unsafe(key, "it contains a backslash or a NUL");
        }
        if (key.startsWith("/")) {
            throw unsafe(key, "it is absolute");
        }
        String[] segments = key.split("/", -1);
        for (String segment : segments) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw unsafe(key, "it has an empty, '.' or '..' segment");
            }
        }
        if (segments[0].equals(INTERNAL_DIR)) {
            throw unsafe(key, "'" + INTERNAL_DIR + "/' is reserved for the store's own files");
        }
        Path path;
        try {
            path = root.resolve(key).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw unsafe(key, e.getMessage());
        }
        if (!path.startsWith(root) || path.equals(root)) {
            throw unsafe(key, "it resolves outside " + root);
        }
        return path;
    }

    private static StoreException unsafe(String key, String why) {
        return new StoreException(Reason.UNSAFE_PATH, false,
                "store key '" + key + "' refused: " + why + "; keys are relative paths with '/' separators", null);
    }

    /** Writes every byte of {@code content} at {@code position}, straight from the caller's (direct) buffers. */
    private static void writeAt(FileChannel channel, Content content, long position) throws IOException {
        long at = position;
        for (ByteBuffer view : content.views()) {
            while (view.hasRemaining()) {
                at += channel.write(view, at);
            }
        }
    }

    /** Runs blocking file IO on the worker pool, translating IO errors; lazy and re-subscribable. */
    private <T> Uni<T> blocking(String operation, String key, Callable<T> work) {
        return Uni.createFrom()
                .completionStage(() -> workers.<T>executeBlocking(work, false).toCompletionStage())
                .onFailure().transform(e -> translate(operation, key, e));
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

    /** What the sidecar file holds: the size and inode of the file it describes, and its metadata. */
    record Sidecar(long size, String fileKey, Map<String, String> metadata) {
    }

    /** One upload into a temp file under {@code .hub-mirror/tmp/}. */
    private final class FileUpload implements MultipartUpload {

        private final String key;
        private final long size;
        private final Map<String, String> metadata;
        private final Path target;
        private final Path temp;
        private final AtomicBoolean finished = new AtomicBoolean();

        FileUpload(String key, long size, Map<String, String> metadata, Path target, Path temp) {
            this.key = key;
            this.size = size;
            this.metadata = metadata;
            this.target = target;
            this.temp = temp;
        }

        @Override
        public String key() {
            return key;
        }

        @Override
        public String id() {
            return temp.getFileName().toString();
        }

        @Override
        public Uni<PartReceipt> uploadPart(Part part) {
            return blocking("uploadPart", key, () -> {
                checkOpen("upload part " + part.number() + " of");
                if (part.offset() < 0 || part.offset() + part.length() > size) {
                    throw new StoreException(Reason.INTERNAL, false, "part " + part.number() + " of store key '"
                            + key + "' at offset " + part.offset() + " with " + part.length()
                            + " bytes does not fit the object's size " + size, null);
                }
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    writeAt(channel, part.content(), part.offset());
                } catch (NoSuchFileException e) {
                    // removed by another process (its cleanup after a crash, see abortUploads): the file may start again
                    throw new StoreException(Reason.STORE_ERROR, true, "upload " + id() + " of store key '" + key
                            + "' was aborted: its temp file is gone; start the file again", e);
                }
                return new PartReceipt(part.number(), part.offset(), part.length(),
                        part.offset() + "+" + part.length());
            });
        }

        @Override
        public Uni<Void> complete(List<PartReceipt> receipts) {
            return blocking("complete", key, () -> {
                checkOpen("complete");
                checkCoverage(receipts);
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    if (channel.size() != size) {
                        throw new StoreException(Reason.STORE_ERROR, false, "upload " + id() + " of store key '"
                                + key + "' holds " + channel.size() + " bytes, expected " + size, null);
                    }
                    channel.force(true);
                }
                publish(key, temp, target, metadata);
                finished.set(true);
                running.remove(temp);
                LOGGER.debugf("upload completed" + STORE + KEY + UPLOAD_ID, "file", key, id());
                return null;
            });
        }

        @Override
        public Uni<Void> abort() {
            return blocking("abort", key, () -> {
                // after a completion the temp name is gone (renamed), so this never touches the published file
                finished.set(true);
                Files.deleteIfExists(temp);
                running.remove(temp);
                LOGGER.debugf("upload aborted" + STORE + KEY + UPLOAD_ID, "file", key, id());
                return null;
            });
        }

        private void checkOpen(String action) {
            if (finished.get()) {
                throw new StoreException(Reason.STORE_ERROR, false, "cannot " + action + " store key '" + key
                        + "': upload " + id() + " was already completed or aborted", null);
            }
        }

        /** The receipts must tile {@code [0, size)} exactly, so that no hole is published. */
        private void checkCoverage(List<PartReceipt> receipts) {
            List<PartReceipt> sorted = new ArrayList<>(receipts);
            sorted.sort(Comparator.comparingInt(PartReceipt::number));
            long next = 0;
            for (PartReceipt r : sorted) {
                if (r.offset() != next) {
                    throw new StoreException(Reason.INTERNAL, false, "cannot complete store key '" + key
                            + "': part " + r.number() + " starts at " + r.offset() + ", expected " + next, null);
                }
                next += r.length();
            }
            if (next != size) {
                throw new StoreException(Reason.INTERNAL, false, "cannot complete store key '" + key
                        + "': parts cover " + next + " bytes, expected " + size, null);
            }
        }
    }
}
