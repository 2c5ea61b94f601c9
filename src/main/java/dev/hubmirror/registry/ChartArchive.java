package dev.hubmirror.registry;

import dev.hubmirror.failure.MirrorException;
import dev.hubmirror.failure.Reason;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;

/**
 * Reads {@code <chart>/Chart.yaml} out of a Helm chart archive (a gzipped tar), with the little of the tar format a
 * chart uses: ustar headers (name and prefix), GNU long names and pax headers skipped. Bounded: at most
 * {@link #MAX_SCANNED} decompressed bytes are read, and a {@code Chart.yaml} of at most {@link #MAX_CHART_YAML}.
 */
final class ChartArchive {

    /** Decompressed bytes read at most while looking for Chart.yaml (a gzip bomb stops here). */
    static final long MAX_SCANNED = 64L << 20;
    /** Largest Chart.yaml accepted. */
    static final int MAX_CHART_YAML = 1 << 20;
    private static final int BLOCK = 512;

    private ChartArchive() {
    }

    /**
     * The text of the archive's top-level {@code Chart.yaml} (the first entry named {@code <dir>/Chart.yaml}).
     *
     * @param what names the archive in messages
     * @throws MirrorException {@link Reason#MANIFEST_INVALID} when it is not a gzipped tar or has no Chart.yaml
     */
    static String chartYaml(byte[] archive, String what) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(archive), 64 * 1024)) {
            byte[] header = new byte[BLOCK];
            long scanned = 0;
            while (true) {
                if (!readFully(in, header)) {
                    break;
                }
                scanned += BLOCK;
                if (isZero(header)) {
                    break;
                }
                String name = text(header, 0, 100);
                String prefix = text(header, 345, 155);
                long size = octal(header, 124, 12, what);
                char type = (char) header[156];
                String path = prefix.isEmpty() ? name : prefix + "/" + name;
                if ((type == '0' || type == 0) && isChartYaml(path)) {
                    if (size > MAX_CHART_YAML) {
                        throw invalid(what, "its Chart.yaml is larger than " + MAX_CHART_YAML + " bytes");
                    }
                    byte[] body = new byte[(int) size];
                    if (!readFully(in, body)) {
                        throw invalid(what, "it ends inside Chart.yaml");
                    }
                    return new String(body, StandardCharsets.UTF_8);
                }
                long padded = (size + BLOCK - 1) / BLOCK * BLOCK;
                scanned += padded;
                if (scanned > MAX_SCANNED) {
                    throw invalid(what, "no Chart.yaml in its first " + MAX_SCANNED + " decompressed bytes");
                }
                in.skipNBytes(padded);
            }
        } catch (java.io.EOFException e) {
            throw invalid(what, "it ends in the middle of an entry");
        } catch (IOException e) {
            throw invalid(what, "it is not a gzipped tar (" + e.getMessage() + ")");
        }
        throw invalid(what, "it has no <chart>/Chart.yaml");
    }

    private static boolean isChartYaml(String path) {
        String p = path.startsWith("./") ? path.substring(2) : path;
        int slash = p.indexOf('/');
        return slash > 0 && p.substring(slash + 1).equals("Chart.yaml");
    }

    private static boolean readFully(InputStream in, byte[] into) throws IOException {
        int n = in.readNBytes(into, 0, into.length);
        if (n == 0) {
            return false;
        }
        if (n < into.length) {
            throw new java.io.EOFException();
        }
        return true;
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String text(byte[] h, int from, int length) {
        int end = from;
        while (end < from + length && h[end] != 0) {
            end++;
        }
        return new String(h, from, end - from, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] h, int from, int length, String what) {
        String digits = text(h, from, length).trim();
        if (digits.isEmpty()) {
            return 0;
        }
        if (!digits.matches("[0-7]{1,12}")) {
            throw invalid(what, "a tar header has a malformed size");
        }
        return Long.parseLong(digits, 8);
    }

    private static MirrorException invalid(String what, String detail) {
        return new MirrorException(Reason.MANIFEST_INVALID, what + " is not a usable Helm chart archive: " + detail
                + "; nothing was pushed");
    }
}
