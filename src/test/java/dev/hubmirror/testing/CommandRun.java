package dev.hubmirror.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * One run of the packaged artifact as a command ({@code java -jar target/quarkus-app/quarkus-run.jar ARGS}), the way
 * an operator runs it: configured by environment variables only (the caller's; every {@code HF_*}, {@code MIRROR_*},
 * {@code AWS_*}, {@code KAFKA_*} and {@code QUARKUS_*} variable of the test JVM is removed first), standard output and
 * standard error captured apart (also kept in {@code target/it-logs/<name>.out} and {@code .err}).
 */
public final class CommandRun {

    private static final Logger LOGGER = Logger.getLogger(CommandRun.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final List<String> HERMETIC_PREFIXES = List.of("HF_", "MIRROR_", "AWS_", "KAFKA_", "QUARKUS_",
            "GOOGLE_");

    /** What the process did. */
    public record Result(int exitCode, String stdout, String stderr) {

        /** Both streams, for assertion messages. */
        public String describe() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    private CommandRun() {
    }

    /** Runs {@code args} in {@code workDir} with {@code env} and waits for the exit (at most two minutes). */
    public static Result run(String name, Path workDir, Map<String, String> env, String... args) {
        return run(name, workDir, env, false, args);
    }

    /**
     * Like {@link #run}, but on a pseudo-terminal: through util-linux {@code script} (Debian's essential bsdutils),
     * so that standard input and output of the command are a terminal. Its standard output then carries both
     * streams, with the terminal's line endings.
     */
    public static Result runOnTerminal(String name, Path workDir, Map<String, String> env, String... args) {
        return run(name, workDir, env, true, args);
    }

    private static Result run(String name, Path workDir, Map<String, String> env, boolean terminal, String... args) {
        String jar = System.getProperty("quarkus.app.jar", "target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("no packaged artifact at " + jar + ": run the package phase first "
                    + "(./mvnw verify runs *IT tests after it)");
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-jar",
                Path.of(jar).toAbsolutePath().toString()));
        command.addAll(List.of(args));
        if (terminal) {
            StringBuilder line = new StringBuilder("exec");
            for (String word : command) {
                line.append(" '").append(word.replace("'", "'\\''")).append('\'');
            }
            command = new ArrayList<>(List.of("script", "-qec", line.toString(), "/dev/null"));
        }
        Path logs = Path.of("target", "it-logs").toAbsolutePath();
        Path out = logs.resolve(name + ".out");
        Path err = logs.resolve(name + ".err");
        try {
            Files.createDirectories(logs);
            Files.createDirectories(workDir);
            ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            builder.environment().keySet().removeIf(k -> HERMETIC_PREFIXES.stream()
                    .anyMatch(p -> k.toUpperCase(Locale.ROOT).startsWith(p)));
            builder.environment().putAll(env);
            Process process = builder.start();
            LOGGER.infof("command started name=%s pid=%d args=%s", name, process.pid(), List.of(args));
            if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException(name + " did not exit within " + TIMEOUT + ":\n"
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            Result result = new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            LOGGER.infof("command exited name=%s exit=%d", name, result.exitCode());
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
