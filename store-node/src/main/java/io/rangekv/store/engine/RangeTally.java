package io.rangekv.store.engine;

/**
 * Keys and bytes in a range, counted by walking it: for engines that keep no per-range statistics (memory, LMDB).
 * Linear in the range; callers (split checks, status) call it rarely.
 */
public record RangeTally(long keys, long bytes) {
    public static RangeTally of(EngineReader reader, byte[] from, byte[] to) {
        long keys = 0;
        long bytes = 0;
        try (EngineIterator it = reader.iterator(from, to, false)) {
            for (; it.isValid(); it.next()) {
                keys++;
                bytes += it.key().length + it.value().length;
            }
        }
        return new RangeTally(keys, bytes);
    }
}
