package dev.hubmirror.sim;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * The bytes of one simulated file: either given bytes (text files) or generated from a seed with O(1) random access.
 *
 * <p>Generated content is a counter-mode stream: the 8-byte little-endian block {@code i} is
 * {@code splitmix64(seed + (i + 1) * 0x9E3779B97F4A7C15)}, so any range is produced without touching what comes
 * before it and nothing is stored, whatever the size. Reading past {@link #size()} keeps generating (that is how
 * {@link Faults#wrongSize} serves a longer body).
 *
 * <p>Digests (sha256, git blob sha1) are computed on first need and cached. Computing them generates and hashes
 * the whole file: about 1 s per GiB on the build machine, so keep hashed files small in tests, or give a claimed
 * sha256 ({@link SimCommit#lfsFile(String, long, long, String)}) for files that are only ever read in part.
 */
public final class SimContent {

    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long BEYOND_TEXT_SEED = 0x5EED_7E47L;
    private static final int HASH_CHUNK = 1 << 20;

    private final long seed;
    private final byte[] bytes;
    private final long size;
    private final String claimedSha256;

    private volatile String sha256;
    private volatile String gitBlobSha1;

    private SimContent(long seed, byte[] bytes, long size, String claimedSha256) {
        this.seed = seed;
        this.bytes = bytes;
        this.size = size;
        this.claimedSha256 = claimedSha256;
        this.sha256 = claimedSha256;
    }

    /** Content of {@code size} bytes generated from {@code seed}. */
    public static SimContent generated(long seed, long size) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, was " + size);
        }
        return new SimContent(seed, null, size, null);
    }

    /**
     * Generated content whose sha256 is not computed but taken as given: the simulator advertises it (tree,
     * X-Linked-Etag) even though the bytes do not hash to it. For huge files read only in part, or to simulate a
     * Hub whose metadata disagrees with the content.
     */
    public static SimContent claimed(long seed, long size, String sha256) {
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("claimed sha256 must be 64 lower-case hex digits, was " + sha256);
        }
        SimContent c = generated(seed, size);
        return new SimContent(c.seed, null, c.size, sha256);
    }

    /** The given bytes (copied). */
    public static SimContent of(byte[] content) {
        return new SimContent(0, content.clone(), content.length, null);
    }

    /** The UTF-8 bytes of {@code text}. */
    public static SimContent text(String text) {
        return new SimContent(0, text.getBytes(StandardCharsets.UTF_8), text.getBytes(StandardCharsets.UTF_8).length,
                null);
    }

    /** Size in bytes. */
    public long size() {
        return size;
    }

    /** Whether the content is generated from a seed (rather than given bytes). */
    public boolean isGenerated() {
        return bytes == null;
    }

    /** The byte at {@code offset} (any offset >= 0, also past the end). */
    public byte byteAt(long offset) {
        if (bytes != null && offset < bytes.length) {
            return bytes[(int) offset];
        }
        long s = bytes != null ? BEYOND_TEXT_SEED : seed;
        return (byte) (word(s, offset >>> 3) >>> ((offset & 7) * 8));
    }

    /**
     * Copies {@code len} bytes starting at {@code offset} into {@code dst}. Offsets past {@link #size()} are allowed
     * and keep generating.
     */
    public void copyRange(long offset, byte[] dst, int dstOff, int len) {
        Objects.checkFromIndexSize(dstOff, len, dst.length);
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, was " + offset);
        }
        int done = 0;
        if (bytes != null) {
            if (offset < bytes.length) {
                int n = (int) Math.min(len, bytes.length - offset);
                System.arraycopy(bytes, (int) offset, dst, dstOff, n);
                done = n;
            }
            if (done < len) {
                generate(BEYOND_TEXT_SEED, offset + done, dst, dstOff + done, len - done);
            }
            return;
        }
        generate(seed, offset, dst, dstOff, len);
    }

    private static void generate(long seed, long offset, byte[] dst, int dstOff, int len) {
        int i = 0;
        long pos = offset;
        while (i < len && (pos & 7) != 0) {
            dst[dstOff + i] = (byte) (word(seed, pos >>> 3) >>> ((pos & 7) * 8));
            i++;
            pos++;
        }
        long block = pos >>> 3;
        while (len - i >= 8) {
            LONG_LE.set(dst, dstOff + i, word(seed, block));
            block++;
            i += 8;
            pos += 8;
        }
        while (i < len) {
            dst[dstOff + i] = (byte) (word(seed, pos >>> 3) >>> ((pos & 7) * 8));
            i++;
            pos++;
        }
    }

    private static long word(long seed, long block) {
        long z = seed + (block + 1) * GOLDEN;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** All bytes; only for content up to 64 MiB (test assertions). */
    public byte[] bytes() {
        if (size > 64L << 20) {
            throw new IllegalStateException("content of " + size + " bytes is too large to materialize: "
                    + "read it with copyRange");
        }
        if (bytes != null) {
            return bytes.clone();
        }
        byte[] all = new byte[(int) size];
        copyRange(0, all, 0, all.length);
        return all;
    }

    /** The sha256 of the content (or the claimed one), hex; computed on first call. */
    public String sha256() {
        String s = sha256;
        if (s == null) {
            hash(true, false);
            s = sha256;
        }
        return s;
    }

    /** The git blob id of the content, {@code sha1("blob <size>\0" + content)}, hex; computed on first call. */
    public String gitBlobSha1() {
        String s = gitBlobSha1;
        if (s == null) {
            hash(sha256 == null, true);
            s = gitBlobSha1;
        }
        return s;
    }

    /** Whether {@link #sha256()} answers without hashing. */
    boolean sha256Known() {
        return sha256 != null;
    }

    /** Whether {@link #gitBlobSha1()} answers without hashing. */
    boolean gitBlobSha1Known() {
        return gitBlobSha1 != null;
    }

    private synchronized void hash(boolean wantSha256, boolean wantSha1) {
        boolean doSha256 = wantSha256 && sha256 == null;
        boolean doSha1 = wantSha1 && gitBlobSha1 == null;
        if (!doSha256 && !doSha1) {
            return;
        }
        MessageDigest d256 = doSha256 ? digest("SHA-256") : null;
        MessageDigest d1 = doSha1 ? digest("SHA-1") : null;
        if (d1 != null) {
            d1.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
        }
        if (bytes != null) {
            update(d256, d1, bytes, bytes.length);
        } else {
            byte[] buf = new byte[(int) Math.min(HASH_CHUNK, Math.max(size, 1))];
            for (long off = 0; off < size; off += buf.length) {
                int n = (int) Math.min(buf.length, size - off);
                generate(seed, off, buf, 0, n);
                update(d256, d1, buf, n);
            }
        }
        if (d256 != null) {
            sha256 = HexFormat.of().formatHex(d256.digest());
        }
        if (d1 != null) {
            gitBlobSha1 = HexFormat.of().formatHex(d1.digest());
        }
    }

    private static void update(MessageDigest a, MessageDigest b, byte[] buf, int n) {
        if (a != null) {
            a.update(buf, 0, n);
        }
        if (b != null) {
            b.update(buf, 0, n);
        }
    }

    static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is not available in this JVM", e);
        }
    }

    /** The git blob id of the given bytes. */
    static String gitBlobSha1(byte[] content) {
        MessageDigest d = digest("SHA-1");
        d.update(("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII));
        return HexFormat.of().formatHex(d.digest(content));
    }

    static String sha256Hex(String text) {
        return HexFormat.of().formatHex(digest("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    static String sha1Hex(String text) {
        return HexFormat.of().formatHex(digest("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SimContent c && c.seed == seed && c.size == size && Arrays.equals(c.bytes, bytes)
                && Objects.equals(c.claimedSha256, claimedSha256);
    }

    @Override
    public int hashCode() {
        return Objects.hash(seed, size, Arrays.hashCode(bytes), claimedSha256);
    }

    @Override
    public String toString() {
        return bytes != null ? "SimContent[text, " + size + " bytes]"
                : String.format(Locale.ROOT, "SimContent[seed=%d, %d bytes%s]", seed, size,
                        claimedSha256 != null ? ", claimed sha256" : "");
    }
}
