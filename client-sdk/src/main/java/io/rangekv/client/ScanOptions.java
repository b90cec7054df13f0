package io.rangekv.client;

import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.ReadConsistency;

/**
 * A scan: {@code [range.start, range.end)} in key order (or reversed), at most {@code limit} pairs (0 = no limit).
 */
public record ScanOptions(KeyRange range, int limit, boolean reverse, boolean keysOnly, ReadConsistency consistency) {
    public ScanOptions {
        if (limit < 0) {
            throw new IllegalArgumentException("scan limit must not be negative: " + limit);
        }
    }

    public static ScanOptions range(Key start, Key end) {
        return new ScanOptions(new KeyRange(start, end), 0, false, false, ReadConsistency.LINEARIZABLE);
    }

    public static ScanOptions prefix(Key prefix) {
        return new ScanOptions(new KeyRange(prefix, prefixEnd(prefix)), 0, false, false,
                ReadConsistency.LINEARIZABLE);
    }

    public ScanOptions withLimit(int max) {
        return new ScanOptions(range, max, reverse, keysOnly, consistency);
    }

    public ScanOptions reversed() {
        return new ScanOptions(range, limit, true, keysOnly, consistency);
    }

    public ScanOptions withKeysOnly() {
        return new ScanOptions(range, limit, reverse, true, consistency);
    }

    public ScanOptions withConsistency(ReadConsistency c) {
        return new ScanOptions(range, limit, reverse, keysOnly, c);
    }

    /** The first key after every key starting with {@code prefix} (empty = unbounded, for an all-0xff prefix). */
    static Key prefixEnd(Key prefix) {
        byte[] bytes = prefix.toBytes();
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] != (byte) 0xff) {
                bytes[i]++;
                return Key.wrap(java.util.Arrays.copyOf(bytes, i + 1));
            }
        }
        return Key.EMPTY;
    }
}
