package dev.hubmirror.testing;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The token service of a registry behind {@code auth: token}, as ghcr.io runs one: {@code GET /token?service=..&scope=
 * repository:<name>:<actions>} answers a JWT (RS256) that distribution 2.8 accepts: signed by a key whose
 * certificate is the registry's {@code rootcertbundle}, {@code kid} the key's libtrust fingerprint, {@code aud} a
 * string, {@code exp} an integer. Anonymous callers get {@code pull}; {@link DistributionRegistry#USER} with its
 * password gets every action; a wrong password gets 401. Faults: the next requests can be answered with a status
 * (429 with {@code Retry-After}, say). It records what it was asked.
 */
public final class TokenIssuer {

    private static final String PASSWORD = "token-issuer-keystore";
    private static Path keyDir;

    private final String service;
    private final String issuer;
    private final PrivateKey key;
    private final String kid;
    private final long expiresIn;
    private final boolean anonymousPull;
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile int failureStatus;
    private volatile String retryAfter;
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> scopes = java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<Boolean> withCredentials = java.util.Collections.synchronizedList(new ArrayList<>());

    /**
     * An issuer for {@code service}; tokens live {@code expiresIn} seconds. Without {@code anonymousPull}, even pulls
     * need the user's credentials (a private registry).
     */
    public TokenIssuer(String service, long expiresIn, boolean anonymousPull) {
        this.service = service;
        this.issuer = "hub-mirror-test-issuer";
        this.expiresIn = expiresIn;
        this.anonymousPull = anonymousPull;
        Path dir = keys();
        try (InputStream in = Files.newInputStream(dir.resolve("issuer.p12"))) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            this.key = (PrivateKey) store.getKey("issuer", PASSWORD.toCharArray());
            this.kid = libtrustKeyId(store.getCertificate("issuer").getPublicKey());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the token issuer's key: " + e.getMessage(), e);
        }
    }

    /** An RSA key and its self-signed certificate, made once per JVM with the JDK's keytool. */
    private static synchronized Path keys() {
        if (keyDir != null) {
            return keyDir;
        }
        try {
            Path d = Files.createTempDirectory("token-issuer");
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            run(List.of(keytool, "-genkeypair", "-alias", "issuer", "-keyalg", "RSA", "-keysize", "2048", "-dname",
                    "CN=hub-mirror-test-issuer", "-validity", "7", "-storetype", "PKCS12", "-keystore",
                    d.resolve("issuer.p12").toString(), "-storepass", PASSWORD, "-keypass", PASSWORD));
            run(List.of(keytool, "-exportcert", "-rfc", "-alias", "issuer", "-keystore",
                    d.resolve("issuer.p12").toString(), "-storepass", PASSWORD, "-file",
                    d.resolve("issuer.pem").toString()));
            keyDir = d;
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** libtrust's key id: base32 of the first 240 bits of the sha256 of the DER public key, in groups of four. */
    static String libtrustKeyId(PublicKey publicKey) throws GeneralSecurityException {
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(publicKey.getEncoded());
        String b32 = base32(java.util.Arrays.copyOf(hash, 30));
        StringBuilder id = new StringBuilder();
        for (int i = 0; i < b32.length(); i += 4) {
            if (i > 0) {
                id.append(':');
            }
            id.append(b32, i, i + 4);
        }
        return id.toString();
    }

    private static String base32(byte[] bytes) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        StringBuilder out = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (byte b : bytes) {
            buffer = buffer << 8 | b & 0xff;
            bits += 8;
            while (bits >= 5) {
                out.append(alphabet.charAt(buffer >> bits - 5 & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(alphabet.charAt(buffer << 5 - bits & 31));
        }
        return out.toString();
    }

    public String service() {
        return service;
    }

    public String issuer() {
        return issuer;
    }

    /** The PEM certificate the registry trusts. */
    public Path certificate() {
        return keys().resolve("issuer.pem");
    }

    /** Answers the next {@code count} requests with {@code status} (and {@code Retry-After}, unless null). */
    public void failNext(int count, int status, String retryAfterSeconds) {
        failureStatus = status;
        retryAfter = retryAfterSeconds;
        failuresLeft.set(count);
    }

    /** Requests served so far (faults included). */
    public int requests() {
        return requests.get();
    }

    /** The scopes asked for, one string per request (space-separated when several). */
    public List<String> scopes() {
        synchronized (scopes) {
            return List.copyOf(scopes);
        }
    }

    /** Whether each request carried basic credentials. */
    public List<Boolean> withCredentials() {
        synchronized (withCredentials) {
            return List.copyOf(withCredentials);
        }
    }

    /** Serves one {@code GET /token}. */
    public void handle(HttpServerRequest request) {
        requests.incrementAndGet();
        List<String> asked = request.params().getAll("scope");
        scopes.add(String.join(" ", asked));
        String authorization = request.getHeader("Authorization");
        withCredentials.add(authorization != null && authorization.startsWith("Basic "));
        if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            var response = request.response().setStatusCode(failureStatus);
            if (retryAfter != null) {
                response.putHeader("Retry-After", retryAfter);
            }
            response.end("{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"slow down\"}]}");
            return;
        }
        boolean user = false;
        if (authorization != null && authorization.startsWith("Basic ")) {
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                    StandardCharsets.UTF_8);
            if (!decoded.equals(DistributionRegistry.USER + ":" + DistributionRegistry.PASSWORD)) {
                request.response().setStatusCode(401).end("{\"details\":\"wrong credentials\"}");
                return;
            }
            user = true;
        }
        JsonArray access = new JsonArray();
        for (String scope : asked) {
            String[] parts = scope.split(":");
            if (parts.length != 3 || !parts[0].equals("repository")) {
                continue;
            }
            Set<String> granted = new LinkedHashSet<>();
            for (String action : parts[2].split(",")) {
                if (user || anonymousPull && action.equals("pull")) {
                    granted.add(action);
                }
            }
            if (user) {
                granted.add("delete");
            }
            access.add(new JsonObject().put("type", "repository").put("name", parts[1])
                    .put("actions", new JsonArray(new ArrayList<>(granted))));
        }
        long now = System.currentTimeMillis() / 1000;
        JsonObject claims = new JsonObject().put("iss", issuer).put("sub", user ? DistributionRegistry.USER : "")
                .put("aud", service).put("exp", now + expiresIn).put("nbf", now - 10).put("iat", now)
                .put("jti", UUID.randomUUID().toString()).put("access", access);
        String token = sign(claims);
        request.response().putHeader("Content-Type", "application/json").end(new JsonObject().put("token", token)
                .put("access_token", token).put("expires_in", expiresIn).encode());
    }

    private String sign(JsonObject claims) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString(new JsonObject().put("typ", "JWT").put("alg", "RS256").put("kid", kid)
                .encode().getBytes(StandardCharsets.UTF_8));
        String payload = b64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initSign(key);
            rsa.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
            return header + "." + payload + "." + b64.encodeToString(rsa.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
    }
}
