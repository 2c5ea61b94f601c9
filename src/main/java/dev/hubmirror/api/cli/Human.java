package dev.hubmirror.api.cli;

import java.time.Duration;
import java.util.Locale;

/** Sizes, rates and durations as people read them: binary units, one decimal, {@code h:mm:ss}. */
final class Human {

    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

    private Human() {
    }

    /** {@code 0 B}, {@code 999 B}, {@code 1.0 KiB}, {@code 2.2 GiB}. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        double value = n;
        int unit = 0;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }

    /** {@code 118.3 MiB/s}. */
    static String rate(double bytesPerSecond) {
        return bytes(Math.round(bytesPerSecond)) + "/s";
    }

    /** {@code 0:09}, {@code 12:34}, {@code 1:02:03}. */
    static String duration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        long h = s / 3600;
        long m = s / 60 % 60;
        long sec = s % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, sec)
                : String.format(Locale.ROOT, "%d:%02d", m, sec);
    }
}
