package dev.hubmirror.registry;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest as the OCI distribution spec writes it: {@code sha256:<64 lower-case hex>}. Only sha256 is
 * supported (what every registry and client uses); anything else is refused when parsed.
 *
 * @param value the whole digest, {@code sha256:...}
 */
public record Digest(String value) {

    private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");

    /**
     * Validates the value.
     *
     * @throws IllegalArgumentException when it is not {@code sha256:} and 64 lower-case hex digits
     */
    public Digest {
        if (value == null || !SHA256.matcher(value).matches()) {
            throw new IllegalArgumentException("digest '" + printable(value) + "' is not sha256: followed by 64 "
                    + "lower-case hex digits");
        }
    }

    /** The digest of {@code text} ({@code value} parsed), or an {@link IllegalArgumentException}. */
    public static Digest parse(String text) {
        return new Digest(text == null ? null : text.trim());
    }

    /** Whether {@code text} is a valid digest. */
    public static boolean isValid(String text) {
        return text != null && SHA256.matcher(text).matches();
    }

    /** The sha256 of {@code bytes}. */
    public static Digest of(byte[] bytes) {
        return new Digest("sha256:" + HexFormat.of().formatHex(sha256().digest(bytes)));
    }

    /** The digest of the hash {@code sha256} computed so far (finishing it). */
    public static Digest of(MessageDigest sha256) {
        return new Digest("sha256:" + HexFormat.of().formatHex(sha256.digest()));
    }

    /** A fresh sha256 {@link MessageDigest}. */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    /** The 64 hex digits. */
    public String hex() {
        return value.substring("sha256:".length());
    }

    /** The first 12 hex digits, for logs. */
    public String shortHex() {
        return value.substring(7, 19);
    }

    @Override
    public String toString() {
        return value;
    }

    /** {@code text} cut to 80 characters with control characters replaced, for messages. */
    static String printable(String text) {
        if (text == null) {
            return "";
        }
        String cut = text.length() > 80 ? text.substring(0, 80) + "..." : text;
        StringBuilder b = new StringBuilder(cut.length());
        for (char c : cut.toCharArray()) {
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }
}
