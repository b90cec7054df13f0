package io.rangekv.store.engine.rocks;

import io.rangekv.store.engine.EngineIterator;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;

/**
 * A RocksDB iterator bounded to {@code [from, to)} by the library's own iterate bounds (so it never reads past
 * them). Owns its read options and bound slices: they must outlive the native iterator, and all close together.
 */
final class RocksIterator implements EngineIterator {
    private final ReadOptions read;
    private final Slice lower;
    private final Slice upper;
    private final org.rocksdb.RocksIterator it;
    private final boolean reverse;

    RocksIterator(RocksDB db, Snapshot snapshot, byte[] from, byte[] to, boolean reverse) {
        this.reverse = reverse;
        this.read = new ReadOptions();
        if (snapshot != null) {
            read.setSnapshot(snapshot);
        }
        this.lower = from == null ? null : new Slice(from);
        this.upper = to == null ? null : new Slice(to);
        if (lower != null) {
            read.setIterateLowerBound(lower);
        }
        if (upper != null) {
            read.setIterateUpperBound(upper);
        }
        this.it = db.newIterator(read);
        if (reverse) {
            it.seekToLast();
        } else {
            it.seekToFirst();
        }
    }

    @Override
    public boolean isValid() {
        return it.isValid();
    }

    @Override
    public void next() {
        if (reverse) {
            it.prev();
        } else {
            it.next();
        }
    }

    @Override
    public byte[] key() {
        return it.key();
    }

    @Override
    public byte[] value() {
        return it.value();
    }

    @Override
    public void close() {
        it.close();
        read.close();
        if (lower != null) {
            lower.close();
        }
        if (upper != null) {
            upper.close();
        }
    }
}
