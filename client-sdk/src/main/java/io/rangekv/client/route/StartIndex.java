package io.rangekv.client.route;

import io.rangekv.meta.Key;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.NavigableMap;

/**
 * An immutable, cache-friendly floor index over region start keys: the first eight bytes of each key as an unsigned
 * {@code long} in one sorted array (binary search touches a few contiguous cache lines), with the full key compared
 * only when prefixes tie.
 */
final class StartIndex {
    private final long[] prefixes;
    private final Key[] starts;
    private final long[] regionIds;

    private StartIndex(long[] prefixes, Key[] starts, long[] regionIds) {
        this.prefixes = prefixes;
        this.starts = starts;
        this.regionIds = regionIds;
    }

    static StartIndex of(NavigableMap<Key, Long> byStart) {
        int n = byStart.size();
        long[] prefixes = new long[n];
        Key[] starts = new Key[n];
        long[] ids = new long[n];
        int i = 0;
        for (Map.Entry<Key, Long> e : byStart.entrySet()) {
            if (i == n) {
                break; // the map grew while we copied; the caller discards this index anyway
            }
            starts[i] = e.getKey();
            prefixes[i] = prefix(e.getKey());
            ids[i] = e.getValue();
            i++;
        }
        if (i < n) {
            return new StartIndex(java.util.Arrays.copyOf(prefixes, i), java.util.Arrays.copyOf(starts, i),
                    java.util.Arrays.copyOf(ids, i));
        }
        return new StartIndex(prefixes, starts, ids);
    }

    /** The first eight bytes, zero-padded: ordering by it (unsigned) agrees with key order up to ties. */
    static long prefix(Key key) {
        byte[] bytes = key.unsafeBytes();
        if (bytes.length >= 8) {
            return ByteBuffer.wrap(bytes, 0, 8).getLong();
        }
        long p = 0;
        for (int i = 0; i < 8; i++) {
            p = (p << 8) | (i < bytes.length ? bytes[i] & 0xff : 0);
        }
        return p;
    }

    /** The region id with the greatest start key at or below {@code key}, or 0 when there is none. */
    long floor(Key key) {
        long p = prefix(key);
        int lo = 0;
        int hi = prefixes.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Long.compareUnsigned(prefixes[mid], p);
            if (c == 0) {
                c = starts[mid].compareTo(key);
            }
            if (c <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found < 0 ? 0 : regionIds[found];
    }
}
