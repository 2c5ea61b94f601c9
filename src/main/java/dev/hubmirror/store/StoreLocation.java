package dev.hubmirror.store;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A parsed store URL: {@code <scheme>://bucket/prefix} ({@code s3://}, {@code gs://}), {@code file:///abs/path} or a
 * plain directory path (then the scheme is {@code file} and the prefix the absolute path). The prefix of a bucket URL
 * never starts or ends with {@code /}; it may be empty. Which schemes a build supports is its store factories' business
 * ({@code bootstrap.Stores}); this parses the URL's shape only.
 */
public record StoreLocation(String scheme, String bucket, String prefix) {

    public static StoreLocation parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("store url is empty: use s3://bucket/prefix, gs://bucket/prefix or file:///path");
        }
        String u = url.trim();
        int sep = u.indexOf("://");
        if (sep < 0) {
            return new StoreLocation("file", "", Path.of(u).toAbsolutePath().normalize().toString());
        }
        String scheme = u.substring(0, sep).toLowerCase(Locale.ROOT);
        if (scheme.equals("file")) {
            return new StoreLocation("file", "", Path.of(URI.create(u)).toAbsolutePath().normalize().toString());
        }
        String rest = u.substring(sep + 3);
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String prefix = slash < 0 ? "" : trimSlashes(rest.substring(slash + 1));
        if (bucket.isEmpty()) {
            throw new IllegalArgumentException("store url '" + url + "' has no bucket");
        }
        return new StoreLocation(scheme, bucket, prefix);
    }

    private static String trimSlashes(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && s.charAt(b) == '/') {
            b++;
        }
        while (e > b && s.charAt(e - 1) == '/') {
            e--;
        }
        return s.substring(b, e);
    }

    /** The full object key for a key relative to the prefix. */
    public String fullKey(String key) {
        return prefix.isEmpty() ? key : prefix + "/" + key;
    }
}
