package io.rangekv.store.engine.mem;

import io.rangekv.meta.Key;
import io.rangekv.store.engine.Engine;
import io.rangekv.store.engine.EngineIterator;
import io.rangekv.store.engine.EngineKind;
import io.rangekv.store.engine.EngineSnapshot;
import io.rangekv.store.engine.WriteBatch;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The memory engine: a concurrent sorted map from key to a chain of versions.
 *
 * <pre>
 *   key ──► Version{seq 9, "c"} ──► Version{seq 4, tombstone} ──► Version{seq 2, "a"}
 * </pre>
 *
 * <p><b>Concurrency</b>: one writer at a time ({@code synchronized write}); readers never lock. A batch is written
 * with the next sequence number and becomes visible all at once when {@code visibleSeq} advances to it, so no reader
 * sees half a batch. A reader (snapshot or iterator) reads at the sequence visible when it began.
 * <p><b>Ordering</b>: unsigned byte order, as {@link Key#compare}.
 * <p><b>Garbage</b>: versions no open reader can see are pruned when their key is next written, and keys touched
 * while readers were open are revisited on later writes, so deleted keys do not linger.
 * <p><b>Failure</b>: nothing here fails for I/O; nothing survives a restart (the Raft log rebuilds it).
 */
public final class MemEngine implements Engine {
    /** One immutable version of a key; {@code value == null} is a tombstone. */
    private record Version(long seq, byte[] value, Version older) {
        byte[] at(long readSeq) {
            for (Version v = this; v != null; v = v.older) {
                if (v.seq <= readSeq) {
                    return v.value;
                }
            }
            return null;
        }
    }

    private final ConcurrentSkipListMap<byte[], Version> map = new ConcurrentSkipListMap<>(Key::compare);
    private final OpenReads openReads = new OpenReads();
    private final ConcurrentLinkedQueue<byte[]> toPrune = new ConcurrentLinkedQueue<>();
    private volatile long visibleSeq;
    private volatile boolean closed;

    @Override
    public EngineKind kind() {
        return EngineKind.MEMORY;
    }

    @Override
    public byte[] get(byte[] key) {
        Version v = map.get(key);
        return v == null ? null : copy(v.at(visibleSeq));
    }

    @Override
    public EngineIterator iterator(byte[] from, byte[] to, boolean reverse) {
        return new VersionIterator(openReads.open(() -> visibleSeq), from, to, reverse);
    }

    @Override
    public synchronized void write(WriteBatch batch) {
        ensureOpen();
        long seq = visibleSeq + 1;
        // Sorted so that a key written twice in one batch keeps the last write, as the batch says.
        NavigableMap<byte[], byte[]> last = new TreeMap<>(Key::compare);
        List<byte[]> tombstoned = new ArrayList<>();
        for (WriteBatch.Op op : batch.ops()) {
            if (op instanceof WriteBatch.Put p) {
                last.put(p.key(), p.value().clone());
            } else if (op instanceof WriteBatch.Delete d) {
                last.put(d.key(), null);
            } else if (op instanceof WriteBatch.DeleteRange r) {
                if (r.end() != null && Key.compare(r.start(), r.end()) >= 0) {
                    continue;
                }
                (r.end() == null ? last.tailMap(r.start(), true) : last.subMap(r.start(), true, r.end(), false))
                        .clear();
                Map<byte[], Version> range = r.end() == null ? map.tailMap(r.start(), true)
                        : map.subMap(r.start(), true, r.end(), false);
                for (byte[] k : range.keySet()) {
                    tombstoned.add(k);
                }
            }
        }
        for (byte[] k : tombstoned) {
            if (!last.containsKey(k)) {
                last.put(k, null);
            }
        }
        for (Map.Entry<byte[], byte[]> e : last.entrySet()) {
            Version head = map.get(e.getKey());
            if (head == null && e.getValue() == null) {
                continue;
            }
            map.put(e.getKey(), new Version(seq, e.getValue(), head));
        }
        visibleSeq = seq;
        // Only after publishing: a reader that registers from now on reads at seq, so the floor is safe.
        sweep(last.keySet(), openReads.oldest(seq));
    }

    /**
     * Drops versions hidden from every open reader (at or below {@code floor} only the newest is kept), and keys
     * whose only visible version is a tombstone. Keys that still hold old versions for an open reader are queued
     * and revisited by later writes.
     */
    private void sweep(Iterable<byte[]> written, long floor) {
        List<byte[]> again = new ArrayList<>();
        for (byte[] k : written) {
            if (!pruneKey(k, floor)) {
                again.add(k);
            }
        }
        if (floor == visibleSeq) {
            // No reader holds an older view: every queued key can be tidied now (bounded per write).
            for (int i = 0; i < 1024; i++) {
                byte[] k = toPrune.poll();
                if (k == null) {
                    break;
                }
                if (!pruneKey(k, floor)) {
                    again.add(k);
                }
            }
        }
        toPrune.addAll(again);
    }

    /** Returns true when the key is fully tidy (nothing older than needed remains). */
    private boolean pruneKey(byte[] key, long floor) {
        Version head = map.get(key);
        if (head == null) {
            return true;
        }
        Version pruned = prune(head, floor);
        if (pruned.value == null && pruned.older == null && pruned.seq <= floor) {
            map.remove(key, head);
            return true;
        }
        if (pruned != head) {
            map.replace(key, head, pruned);
        }
        return pruned.older == null;
    }

    /** Keeps every version newer than {@code floor} and the newest one at or below it. */
    private static Version prune(Version head, long floor) {
        if (head.seq <= floor) {
            return head.older == null ? head : new Version(head.seq, head.value, null);
        }
        return new Version(head.seq, head.value, head.older == null ? null : prune(head.older, floor));
    }

    @Override
    public EngineSnapshot snapshot() {
        ensureOpen();
        long seq = openReads.open(() -> visibleSeq);
        return new EngineSnapshot() {
            private boolean released;

            @Override
            public byte[] get(byte[] key) {
                Version v = map.get(key);
                return v == null ? null : copy(v.at(seq));
            }

            @Override
            public EngineIterator iterator(byte[] from, byte[] to, boolean reverse) {
                return new VersionIterator(openReads.open(() -> seq), from, to, reverse);
            }

            @Override
            public synchronized void close() {
                if (!released) {
                    released = true;
                    openReads.close(seq);
                }
            }
        };
    }

    @Override
    public void sync() {
        // Nothing is on disk.
    }

    @Override
    public void close() {
        closed = true;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("memory engine is closed");
        }
    }

    private static byte[] copy(byte[] value) {
        return value == null ? null : value.clone();
    }

    /** Iterates the keys visible at one sequence number; holds its registration in {@link OpenReads} until closed. */
    private final class VersionIterator implements EngineIterator {
        private final long seq;
        private final Iterator<Map.Entry<byte[], Version>> entries;
        private byte[] key;
        private byte[] value;
        private boolean closed;

        VersionIterator(long seq, byte[] from, byte[] to, boolean reverse) {
            this.seq = seq;
            NavigableMap<byte[], Version> range = map;
            if (from != null && to != null) {
                range = Key.compare(from, to) >= 0 ? map.subMap(from, true, from, false)
                        : map.subMap(from, true, to, false);
            } else if (from != null) {
                range = map.tailMap(from, true);
            } else if (to != null) {
                range = map.headMap(to, false);
            }
            this.entries = (reverse ? range.descendingMap() : range).entrySet().iterator();
            advance();
        }

        private void advance() {
            while (entries.hasNext()) {
                Map.Entry<byte[], Version> e = entries.next();
                byte[] v = e.getValue().at(seq);
                if (v != null) {
                    key = e.getKey();
                    value = v;
                    return;
                }
            }
            key = null;
            value = null;
        }

        @Override
        public boolean isValid() {
            return key != null;
        }

        @Override
        public void next() {
            advance();
        }

        @Override
        public byte[] key() {
            return key.clone();
        }

        @Override
        public byte[] value() {
            return value.clone();
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                openReads.close(seq);
            }
        }
    }
}
