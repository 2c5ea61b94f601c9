package dev.hubmirror.registry;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A platform of an image index entry: {@code os/architecture[/variant]}, as {@code docker --platform} writes it
 * ({@code linux/amd64}, {@code linux/arm64/v8}).
 *
 * @param os           the operating system, lower case
 * @param architecture the CPU architecture, lower case
 * @param variant      the CPU variant, or empty
 */
public record Platform(String os, String architecture, String variant) {

    private static final Pattern PART = Pattern.compile("[a-z0-9._-]{1,32}");

    /**
     * Validates the values.
     *
     * @throws IllegalArgumentException for an empty or malformed part
     */
    public Platform {
        os = os == null ? "" : os.toLowerCase(Locale.ROOT);
        architecture = architecture == null ? "" : architecture.toLowerCase(Locale.ROOT);
        variant = variant == null ? "" : variant.toLowerCase(Locale.ROOT);
        if (!PART.matcher(os).matches() || !PART.matcher(architecture).matches()
                || !variant.isEmpty() && !PART.matcher(variant).matches()) {
            throw new IllegalArgumentException("platform '" + Digest.printable(os + "/" + architecture
                    + (variant.isEmpty() ? "" : "/" + variant)) + "' is not os/architecture[/variant], e.g. "
                    + "linux/amd64 or linux/arm64/v8");
        }
    }

    /**
     * Parses {@code os/architecture[/variant]}.
     *
     * @throws IllegalArgumentException when it is not of that form
     */
    public static Platform parse(String text) {
        String[] parts = text == null ? new String[0] : text.trim().split("/", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("platform '" + Digest.printable(text) + "' is not "
                    + "os/architecture[/variant], e.g. linux/amd64 or linux/arm64/v8");
        }
        return new Platform(parts[0], parts[1], parts.length == 3 ? parts[2] : "");
    }

    /**
     * Whether an index entry of platform {@code other} is selected by this filter: the same os and architecture, and
     * the same variant when this one names a variant ({@code linux/arm64} selects {@code linux/arm64/v8} too).
     */
    public boolean selects(Platform other) {
        return os.equals(other.os) && architecture.equals(other.architecture)
                && (variant.isEmpty() || variant.equals(other.variant));
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
    }
}
