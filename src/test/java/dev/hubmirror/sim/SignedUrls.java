package dev.hubmirror.sim;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The CDN's signed URLs, shaped like CloudFront's: {@code /repos/ab/cd/<repo key>/<sha256>} with
 * {@code response-content-disposition}, {@code Expires} (epoch seconds), {@code Signature} and
 * {@code Key-Pair-Id}. Each issued URL has its own {@code Key-Pair-Id}, so single-use URLs
 * ({@link Faults#expireSignedUrls}) can be told apart. The signature is an HMAC over path, expiry and key id with
 * a key drawn at start.
 */
final class SignedUrls {

    /** Why a CDN request is refused, or {@code OK}. */
    enum Problem { OK, UNSIGNED, BAD_SIGNATURE, EXPIRED, NO_SUCH_KEY }

    /** The outcome of checking a CDN request. */
    record Verdict(Problem problem, SimFile file, String contentDisposition) {
    }

    private final byte[] key = new byte[32];
    private final AtomicLong issued = new AtomicLong();
    private final Map<String, SimFile> objects = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> singleUse = new ConcurrentHashMap<>();

    SignedUrls() {
        new SecureRandom().nextBytes(key);
    }

    /** Issues a signed URL (absolute, on {@code cdnUrl}) for {@code file} of {@code repo}. */
    String issue(String cdnUrl, SimRepo repo, SimFile file, Duration ttl, boolean singleUseUrl) {
        String repoKey = SimContent.sha256Hex(repo.type().plural() + "/" + repo.id());
        String path = "/repos/" + repoKey.substring(0, 2) + "/" + repoKey.substring(2, 4) + "/" + repoKey + "/"
                + file.sha256();
        objects.put(path, file);
        long expires = Instant.now().plus(ttl).getEpochSecond();
        String keyPairId = "KSIM" + Long.toString(issued.incrementAndGet(), 36).toUpperCase(java.util.Locale.ROOT);
        if (singleUseUrl) {
            singleUse.put(keyPairId, new AtomicInteger());
        }
        String name = file.path().substring(file.path().lastIndexOf('/') + 1);
        String disposition = "inline; filename*=UTF-8''" + PercentCodec.encodeAll(name) + "; filename=\""
                + asciiFallback(name) + "\";";
        return cdnUrl + path + "?response-content-disposition=" + PercentCodec.encodeAll(disposition) + "&Expires="
                + expires + "&Signature=" + sign(path, expires, keyPairId) + "&Key-Pair-Id=" + keyPairId;
    }

    /** Checks a CDN request's path and query; counts a use of a single-use URL. */
    Verdict check(String rawPath, Map<String, String> query) {
        String expires = query.get("Expires");
        String signature = query.get("Signature");
        String keyPairId = query.get("Key-Pair-Id");
        String disposition = query.get("response-content-disposition");
        if (expires == null || signature == null || keyPairId == null) {
            return new Verdict(Problem.UNSIGNED, null, null);
        }
        long expiresAt;
        try {
            expiresAt = Long.parseLong(expires);
        } catch (NumberFormatException e) {
            return new Verdict(Problem.BAD_SIGNATURE, null, null);
        }
        if (!MessageDigest.isEqual(sign(rawPath, expiresAt, keyPairId).getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII))) {
            return new Verdict(Problem.BAD_SIGNATURE, null, null);
        }
        if (Instant.now().getEpochSecond() > expiresAt) {
            return new Verdict(Problem.EXPIRED, null, null);
        }
        AtomicInteger uses = singleUse.get(keyPairId);
        if (uses != null && uses.incrementAndGet() > 1) {
            return new Verdict(Problem.EXPIRED, null, null);
        }
        SimFile file = objects.get(rawPath);
        if (file == null) {
            return new Verdict(Problem.NO_SUCH_KEY, null, null);
        }
        return new Verdict(Problem.OK, file, disposition);
    }

    private String sign(String path, long expires, String keyPairId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] sig = mac.doFinal((path + "\n" + expires + "\n" + keyPairId).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    private static String asciiFallback(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            sb.append(c >= 0x20 && c < 0x7F && c != '"' && c != '\\' ? c : '_');
        }
        return sb.toString();
    }
}
