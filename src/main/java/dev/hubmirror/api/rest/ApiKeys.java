package dev.hubmirror.api.rest;

import static dev.hubmirror.log.LogKeys.FILE;

import dev.hubmirror.config.ApiConfig;
import dev.hubmirror.config.ApiConfig.ApiRole;
import dev.hubmirror.failure.Secrets;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The API keys callers may present ({@code mirror.api.keys.*}), compared in constant time. With auth on, no key and no
 * OIDC configured, a submit key is generated at startup into {@code mirror.api.generated-key-file} (mode 600; an
 * existing file is reused), so that the service on its embedded defaults is usable and still not open. Keys are never
 * logged; only the file's path is. A process with no HTTP listener (the {@code mirror} and {@code verify} commands)
 * accepts no key and generates none.
 */
@Startup
@Singleton
public class ApiKeys {

    /** Shortest key accepted from configuration. */
    static final int MIN_KEY_LENGTH = 16;
    private static final Logger LOGGER = Logger.getLogger(ApiKeys.class);
    private static final String GENERATED = "generated";

    private record Known(String name, byte[] digest, ApiRole role) {
    }

    private final List<Known> keys;

    /** Keys from configuration; a generated key is not made known to any {@link Secrets}. */
    public ApiKeys(ApiConfig config, boolean oidc) {
        this(config, oidc, true, false, Secrets.NONE);
    }

    /** Keys from configuration; a generated key is added to {@code secrets}, so that it is redacted like the others. */
    @Inject
    public ApiKeys(ApiConfig config,
            @ConfigProperty(name = "quarkus.oidc.tenant-enabled", defaultValue = "false") boolean oidc,
            @ConfigProperty(name = "quarkus.http.host-enabled", defaultValue = "true") boolean listening,
            @ConfigProperty(name = "quarkus.http.domain-socket-enabled", defaultValue = "false") boolean socket,
            Secrets secrets) {
        List<Known> known = new ArrayList<>();
        if (!listening && !socket) {
            // no API listener (the mirror and verify commands): nothing to protect, no key file to generate
            this.keys = List.of();
            return;
        }
        for (Map.Entry<String, ApiConfig.Key> entry : config.keys().entrySet()) {
            String secret = entry.getValue().secret().trim();
            if (secret.length() < MIN_KEY_LENGTH) {
                throw new ConfigurationException("mirror.api.keys." + entry.getKey() + ".key is shorter than "
                        + MIN_KEY_LENGTH + " characters: use a random key, e.g. `openssl rand -base64 32`");
            }
            known.add(new Known(entry.getKey(), digest(secret), entry.getValue().role()));
        }
        if (config.auth().enabled() && known.isEmpty() && !oidc) {
            Path file = Path.of(config.generatedKeyFile());
            String generated = generatedKey(file);
            secrets.add(generated);
            known.add(new Known(GENERATED, digest(generated), ApiRole.SUBMIT));
        }
        if (!config.auth().enabled()) {
            LOGGER.warn("api auth is off (mirror.api.auth.enabled=false): anyone who reaches the API port can submit "
                    + "and cancel mirrors");
        }
        this.keys = List.copyOf(known);
    }

    /** The role of the key {@code presented}, if it is one; every configured key is compared, in constant time. */
    Optional<ApiRole> role(String presented) {
        return find(presented).map(Known::role);
    }

    /** The configured name of the key {@code presented} (never the key), if it is one. */
    Optional<String> name(String presented) {
        return find(presented).map(Known::name);
    }

    private Optional<Known> find(String presented) {
        byte[] candidate = digest(presented);
        Known found = null;
        for (Known key : keys) {
            if (MessageDigest.isEqual(key.digest(), candidate) && found == null) {
                found = key;
            }
        }
        return Optional.ofNullable(found);
    }

    /** Reads the key file, or creates it with a new random key; the key is the file's first line. */
    static String generatedKey(Path file) {
        try {
            if (Files.exists(file)) {
                String existing = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (existing.length() >= MIN_KEY_LENGTH) {
                    LOGGER.infof("api key" + FILE + " reused: send it as 'Authorization: Bearer <key>'",
                            file.toAbsolutePath());
                    return existing;
                }
                throw new ConfigurationException("the API key file " + file.toAbsolutePath() + " holds no key of "
                        + "at least " + MIN_KEY_LENGTH + " characters: delete it to have a new key generated");
            }
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String key = "hm_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            create(file);
            Files.writeString(file, key + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
            LOGGER.infof("api key" + FILE
                    + " generated (mode 600, role submit): send it as 'Authorization: Bearer <key>'",
                    file.toAbsolutePath());
            return key;
        } catch (IOException e) {
            throw new ConfigurationException("cannot read or create the API key file " + file.toAbsolutePath()
                    + " (" + e + "): set mirror.api.generated-key-file to a writable path, or configure "
                    + "mirror.api.keys.<name>.key");
        }
    }

    private static void create(Path file) throws IOException {
        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(ownerOnly));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("the API key file appeared while it was being created", e);
        }
    }

    private static byte[] digest(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
