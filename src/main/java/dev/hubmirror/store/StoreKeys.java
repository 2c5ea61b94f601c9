package dev.hubmirror.store;

import dev.hubmirror.failure.Reason;
import java.nio.charset.StandardCharsets;

/**
 * The rules every store key follows, in one place: a key is a relative path of plain segments separated by {@code /}
 * (no empty, {@code .} or {@code ..} segment, no backslash, no control character, not absolute), not under a folder the
 * store reserves for its own files, and, with the store's prefix, not longer than the store allows. The transfer
 * engine checks the Hub's paths with the same rules ({@code transfer.SafePath}); a store checks them again, as defence
 * in depth, before any request.
 *
 * <p>A key that is empty or ends in {@code /} names a folder (a snapshot's, for {@link ObjectStore#url} and
 * {@link ObjectStore#abortUploads}); a folder's name follows the same rules without its trailing {@code /}.
 *
 * @param prefix         the store's prefix, prepended to keys with a {@code /} ({@code ""}: none)
 * @param maxNameBytes   the longest full name (prefix included) in UTF-8 bytes the store takes
 * @param reservedFolder a first segment kept for the store's own files ({@code null}: none)
 */
public record StoreKeys(String prefix, int maxNameBytes, String reservedFolder) {

    /** No limit of the store's own on a name's length (a filesystem has its own, reported when it is hit). */
    public static final int UNLIMITED = Integer.MAX_VALUE;

    /** Keys under {@code prefix}, at most {@code maxNameBytes} long with it, nothing reserved. */
    public static StoreKeys under(String prefix, int maxNameBytes) {
        return new StoreKeys(prefix, maxNameBytes, null);
    }

    /**
     * What is wrong with a path as a key, as a phrase ({@code "it is absolute"}); {@code null} when nothing is. The
     * structural rules only: no prefix, length or reserved folder.
     */
    public static String problem(String key) {
        if (key == null || key.isEmpty()) {
            return "it is empty";
        }
        if (key.startsWith("/")) {
            return "it is absolute";
        }
        if (key.indexOf('\\') >= 0) {
            return "it contains a backslash";
        }
        for (int i = 0; i < key.length(); i++) {
            if (Character.isISOControl(key.charAt(i))) {
                return "it contains a control character";
            }
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return "it has an empty, '.' or '..' segment";
            }
        }
        return null;
    }

    /** Whether {@code key} names a folder: empty, or ending in {@code /}. */
    public static boolean isFolder(String key) {
        return key.isEmpty() || key.endsWith("/");
    }

    /**
     * Checks a key of an object.
     *
     * @return the key
     * @throws StoreException {@link Reason#UNSAFE_PATH} naming the key and what is wrong
     */
    public String check(String key) {
        String problem = problem(key);
        if (problem == null && reservedFolder != null && key.split("/", 2)[0].equals(reservedFolder)) {
            problem = "'" + reservedFolder + "/' is reserved for the store's own files";
        }
        if (problem == null && maxNameBytes != UNLIMITED
                && fullKey(key).getBytes(StandardCharsets.UTF_8).length > maxNameBytes) {
            problem = "with the prefix it is longer than the store's " + maxNameBytes + " bytes";
        }
        if (problem != null) {
            throw unsafe(key, problem);
        }
        return key;
    }

    /**
     * Checks a key of an object or of a folder ({@link #isFolder}): a folder's name is checked without its trailing
     * {@code /}; the whole store's folder ({@code ""}) is always fine.
     *
     * @return the key as given
     */
    public String checkKeyOrFolder(String key) {
        if (key == null) {
            throw unsafe(null, "it is empty");
        }
        if (!key.isEmpty()) {
            check(isFolder(key) ? key.substring(0, key.length() - 1) : key);
        }
        return key;
    }

    /** The full object name of a key (or a folder): the prefix, a {@code /}, the key. */
    public String fullKey(String key) {
        return prefix.isEmpty() ? key : prefix + "/" + key;
    }

    private static StoreException unsafe(String key, String why) {
        return new StoreException(Reason.UNSAFE_PATH, false,
                "store key '" + key + "' refused: " + why + "; keys are relative paths with '/' separators", null);
    }
}
