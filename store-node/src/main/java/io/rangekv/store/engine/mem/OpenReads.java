package io.rangekv.store.engine.mem;

import java.util.Map;
import java.util.TreeMap;

/**
 * The sequence numbers open readers (iterators, snapshots) read at, counted, so the writer knows which versions
 * someone may still need. Thread-safe; every call is short.
 */
final class OpenReads {
    private final TreeMap<Long, Integer> counts = new TreeMap<>();

    /**
     * Registers a reader at the sequence {@code current} gives and returns it. Reading the sequence under the same
     * lock as {@link #oldest} means a writer never prunes a version a reader has just decided to read.
     */
    synchronized long open(java.util.function.LongSupplier current) {
        long seq = current.getAsLong();
        counts.merge(seq, 1, Integer::sum);
        return seq;
    }

    synchronized void close(long seq) {
        counts.computeIfPresent(seq, (k, n) -> n == 1 ? null : n - 1);
    }

    /** The oldest open read, or {@code ifNone} when nobody reads. */
    synchronized long oldest(long ifNone) {
        Map.Entry<Long, Integer> first = counts.firstEntry();
        return first == null ? ifNone : first.getKey();
    }
}
