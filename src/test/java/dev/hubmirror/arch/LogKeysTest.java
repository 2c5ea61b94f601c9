package dev.hubmirror.arch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hubmirror.log.LogKeys;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every log key comes from {@link LogKeys}: the service's sources write no key of their own. */
class LogKeysTest {

    private static final Path SOURCES = Path.of("src/main/java");
    /** A logger call, up to the end of its statement. */
    private static final Pattern LOG_CALL = Pattern.compile("LOGGER\\.(trace|debug|info|warn|error)f?\\((.*?)\\);",
            Pattern.DOTALL);
    private static final Pattern LITERAL = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");
    /** {@code key=} at the start of a message part or after a space, as a log key is written. */
    private static final Pattern KEY = Pattern.compile("(?:^|\\s)([A-Za-z][A-Za-z0-9]*)=");

    @Test
    void noLogMessageWritesAKeyOfItsOwn() throws IOException {
        // Given
        List<String> ownKeys = new ArrayList<>();

        // When
        for (Path file : sources()) {
            if (isVocabulary(file)) {
                continue;
            }
            Matcher call = LOG_CALL.matcher(Files.readString(file));
            while (call.find()) {
                Matcher literal = LITERAL.matcher(call.group(2));
                while (literal.find()) {
                    Matcher key = KEY.matcher(literal.group(1));
                    while (key.find()) {
                        ownKeys.add(SOURCES.relativize(file) + ": " + key.group(1) + "= in \"" + literal.group(1) + "\"");
                    }
                }
            }
        }

        // Then
        assertThat(ownKeys).as("log keys written as literals instead of LogKeys constants").isEmpty();
    }

    @Test
    void everyKeyIsOneWordWithItsPlaceholderAndIsUsed() throws IOException, IllegalAccessException {
        // Given
        StringBuilder all = new StringBuilder();
        for (Path file : sources()) {
            if (!isVocabulary(file)) {
                all.append(Files.readString(file));
            }
        }
        Set<String> names = new HashSet<>();

        // When / Then
        for (Field field : LogKeys.class.getDeclaredFields()) {
            if (!Modifier.isStatic(field.getModifiers()) || field.getType() != String.class) {
                continue;
            }
            String value = (String) field.get(null);
            assertThat(value).as(field.getName()).matches(" [a-z][A-Za-z0-9]*=%s");
            assertThat(names.add(value)).as(field.getName() + " is a second constant for " + value).isTrue();
            assertThat(all.toString()).as(field.getName() + " is used").containsPattern("LogKeys\\." + field.getName()
                    + "\\b|import static dev\\.hubmirror\\.log\\.LogKeys\\." + field.getName() + ";");
        }
    }

    private static boolean isVocabulary(Path file) {
        return file.endsWith(Path.of("dev/hubmirror/log/LogKeys.java"));
    }

    private static List<Path> sources() throws IOException {
        try (Stream<Path> files = Files.walk(SOURCES)) {
            return files.filter(p -> p.toString().endsWith(".java")).toList();
        }
    }
}
