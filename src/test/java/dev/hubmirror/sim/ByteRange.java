package dev.hubmirror.sim;

/**
 * The outcome of a {@code Range} header against a representation of {@code size} bytes, following RFC 9110: a
 * single range {@code bytes=a-b}, {@code bytes=a-} or {@code bytes=-n}; a syntactically invalid or multi-range
 * header is ignored (full body); a range starting at or past the end is unsatisfiable (416).
 *
 * @param kind  full body, one satisfiable range, or unsatisfiable
 * @param start first byte (inclusive) when {@code kind == PARTIAL}
 * @param end   last byte (inclusive) when {@code kind == PARTIAL}
 */
record ByteRange(Kind kind, long start, long end) {

    /** What to answer. */
    enum Kind { FULL, PARTIAL, UNSATISFIABLE }

    static final ByteRange FULL = new ByteRange(Kind.FULL, 0, -1);
    static final ByteRange UNSATISFIABLE = new ByteRange(Kind.UNSATISFIABLE, 0, -1);

    /** Bytes in the partial range. */
    long length() {
        return end - start + 1;
    }

    static ByteRange parse(String header, long size) {
        if (header == null) {
            return FULL;
        }
        String h = header.trim();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6) || h.indexOf(',') >= 0) {
            return FULL;
        }
        String spec = h.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return FULL;
        }
        String first = spec.substring(0, dash).trim();
        String last = spec.substring(dash + 1).trim();
        try {
            if (first.isEmpty()) {
                if (last.isEmpty()) {
                    return FULL;
                }
                long suffix = Long.parseLong(last);
                if (suffix < 0) {
                    return FULL;
                }
                if (suffix == 0 || size == 0) {
                    return UNSATISFIABLE;
                }
                return new ByteRange(Kind.PARTIAL, Math.max(0, size - suffix), size - 1);
            }
            long a = Long.parseLong(first);
            long b = last.isEmpty() ? Long.MAX_VALUE : Long.parseLong(last);
            if (a < 0 || b < a) {
                return FULL;
            }
            if (a >= size) {
                return UNSATISFIABLE;
            }
            return new ByteRange(Kind.PARTIAL, a, Math.min(b, size - 1));
        } catch (NumberFormatException e) {
            return FULL;
        }
    }
}
