package dev.hubmirror.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code skopeo} (1.9) as the real client that seeds source registries and inspects targets: {@code copy
 * --all --preserve-digests} from an {@link OciLayout} (so the digests the test computed are the registry's), and
 * {@code inspect --raw} (the exact manifest bytes a registry serves). Plain http on loopback
 * ({@code --tls-verify=false}); credentials with {@code --creds}, never from a file; its own auth file points to an
 * empty temp file so nothing of the machine's leaks in. .ci/run installs the package when it is missing.
 */
public final class Skopeo {

    private static final long TIMEOUT_SECONDS = 600;

    private Skopeo() {
    }

    /** Pushes {@code layout}'s {@code tag} to {@code docker://<reference>}, as {@code user:password} unless null. */
    public static void push(OciLayout layout, String tag, String reference, String creds) {
        List<String> command = new ArrayList<>(List.of("skopeo", "copy", "--all", "--preserve-digests",
                "--dest-tls-verify=false"));
        if (creds != null) {
            command.addAll(List.of("--dest-creds", creds));
        }
        command.add("oci:" + layout.dir() + ":" + tag);
        command.add("docker://" + reference);
        run(command);
    }

    /** The raw manifest bytes of {@code docker://<reference>}. */
    public static byte[] inspectRaw(String reference, String creds) {
        List<String> command = new ArrayList<>(List.of("skopeo", "inspect", "--raw", "--tls-verify=false"));
        if (creds != null) {
            command.addAll(List.of("--creds", creds));
        }
        command.add("docker://" + reference);
        return run(command);
    }

    /** Copies {@code docker://<reference>} (every platform) into a new OCI layout, to read back the blobs. */
    public static Path pull(String reference, String creds) {
        try {
            Path dir = Files.createTempDirectory("skopeo-pull");
            List<String> command = new ArrayList<>(List.of("skopeo", "copy", "--all", "--preserve-digests",
                    "--src-tls-verify=false"));
            if (creds != null) {
                command.addAll(List.of("--src-creds", creds));
            }
            command.add("docker://" + reference);
            command.add("oci:" + dir + ":pulled");
            run(command);
            return dir;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] run(List<String> command) {
        try {
            Path authFile = Files.createTempFile("skopeo-auth", ".json");
            Files.writeString(authFile, "{\"auths\":{}}");
            Path out = Files.createTempFile("skopeo-out", ".bin");
            Path err = Files.createTempFile("skopeo-err", ".txt");
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().put("REGISTRY_AUTH_FILE", authFile.toString());
            Process p = builder.start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("skopeo did not finish in " + TIMEOUT_SECONDS + " s: " + command);
            }
            byte[] stdout = Files.readAllBytes(out);
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            Files.deleteIfExists(authFile);
            if (p.exitValue() != 0) {
                List<String> shown = new ArrayList<>(command);
                for (int i = 1; i < shown.size(); i++) {
                    if (shown.get(i - 1).endsWith("creds")) {
                        shown.set(i, "***");
                    }
                }
                throw new IllegalStateException("skopeo failed (exit " + p.exitValue() + "): "
                        + String.join(" ", shown) + "\n" + stderr);
            }
            return stdout;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run skopeo (apt-get install -y skopeo): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running skopeo", e);
        }
    }
}
