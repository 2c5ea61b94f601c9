package dev.hubmirror.transfer;

import dev.hubmirror.hub.HubFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The hash a file is verified by, computed while bytes stream: sha256 of the content for LFS files (compared with the
 * LFS oid), git blob sha1 ({@code sha1("blob <size>\0" + content)}) for regular files (compared with the blob id).
 * Bytes must be fed in file order. Not thread-safe.
 */
public final class FileDigest {

    /** Metadata key recording a verified sha256 on the stored object. */
    public static final String SHA256_KEY = "hub-mirror-sha256";
    /** Metadata key recording a verified git blob sha1 on the stored object. */
    public static final String GIT_SHA1_KEY = "hub-mirror-git-sha1";

    private final MessageDigest digest;
    private final String expected;
    private final String metadataKey;
    private long bytes;

    private FileDigest(String algorithm, String expected, String metadataKey) {
        try {
            this.digest = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is not available in this JVM", e);
        }
        this.expected = expected.toLowerCase(java.util.Locale.ROOT);
        this.metadataKey = metadataKey;
    }

    /** The digest that verifies this file. */
    public static FileDigest forFile(HubFile file) {
        if (file.isLfs()) {
            return new FileDigest("SHA-256", file.lfs().orElseThrow().sha256(), SHA256_KEY);
        }
        FileDigest d = new FileDigest("SHA-1", file.blobId(), GIT_SHA1_KEY);
        d.digest.update(("blob " + file.size() + "\0").getBytes(StandardCharsets.US_ASCII));
        return d;
    }

    /** Feeds the remaining bytes of the buffer without moving its position. */
    public void update(ByteBuffer chunk) {
        bytes += chunk.remaining();
        digest.update(chunk.duplicate());
    }

    /** Bytes fed so far. */
    public long bytes() {
        return bytes;
    }

    /** The expected hash, lower-case hex. */
    public String expected() {
        return expected;
    }

    /** The metadata key under which a verified object records {@link #expected()}. */
    public String metadataKey() {
        return metadataKey;
    }

    /** Finishes the digest and tells whether it equals the expected hash; returns the actual hex. */
    public String finish() {
        return HexFormat.of().formatHex(digest.digest());
    }
}
