package io.rangekv.store.engine.rocks;

import io.rangekv.error.ErrorKind;
import io.rangekv.error.ReplicaFatalException;
import io.rangekv.store.engine.Engine;
import io.rangekv.store.engine.EngineConfig;
import io.rangekv.store.engine.EngineIterator;
import io.rangekv.store.engine.EngineKind;
import io.rangekv.store.engine.EngineSnapshot;
import io.rangekv.store.engine.WriteBatch;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompactionStyle;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.Range;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;


/**
 * The RocksDB engine: an LSM tree, for write-heavy ranges.
 *
 * <p><b>Concurrency</b>: thread-safe (RocksDB is). Native handles owned here (options, cache, filter) live as long as
 * the engine; per-call handles (batches, read options, slices, iterators) are closed by try-with-resources or by
 * the iterator's {@code close()}.
 * <p><b>Ordering</b>: the default bytewise comparator is unsigned lexicographic, as
 * {@link io.rangekv.meta.Key#compare}.
 * <p><b>Durability</b>: WAL on, not synced per write: the Raft log is the durable record, and {@link #sync()}
 * ({@code flushWal(true)}) makes the engine durable before a Raft log prefix is dropped.
 * <p><b>Failure</b>: a RocksDB error on write is replica-fatal (the batch is atomic: nothing from it is applied).
 */
public final class RocksEngine implements Engine {
    static {
        RocksDB.loadLibrary();
    }

    private final RocksDB db;
    private final Options options;
    private final LRUCache cache;
    private final BloomFilter bloom;
    private final WriteOptions writeOptions;

    private RocksEngine(RocksDB db, Options options, LRUCache cache, BloomFilter bloom) {
        this.db = db;
        this.options = options;
        this.cache = cache;
        this.bloom = bloom;
        this.writeOptions = new WriteOptions().setSync(false);
    }

    /** Opens (or creates) the database in {@code dir}: the one place our settings become RocksDB options. */
    public static RocksEngine open(Path dir, EngineConfig.RocksSettings s) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create RocksDB directory " + dir, e);
        }
        LRUCache cache = new LRUCache(s.blockCacheSize().bytes());
        BloomFilter bloom = new BloomFilter(s.bloomBitsPerKey(), false);
        BlockBasedTableConfig table = new BlockBasedTableConfig()
                .setBlockCache(cache)
                .setFilterPolicy(bloom)
                .setCacheIndexAndFilterBlocks(true)
                .setPinL0FilterAndIndexBlocksInCache(true);
        Options options = new Options()
                .setCreateIfMissing(true)
                .setWriteBufferSize(s.writeBufferSize().bytes())
                .setMaxWriteBufferNumber(s.maxWriteBuffers())
                .setMinWriteBufferNumberToMerge(1)
                .setCompactionStyle(CompactionStyle.LEVEL)
                .setLevelCompactionDynamicLevelBytes(true)
                .setTargetFileSizeBase(s.targetFileSize().bytes())
                .setMaxBytesForLevelBase(s.targetFileSize().bytes() * 4)
                .setMaxBackgroundJobs(s.maxBackgroundJobs())
                .setBytesPerSync(1024 * 1024)
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setTableFormatConfig(table);
        try {
            return new RocksEngine(RocksDB.open(options, dir.toString()), options, cache, bloom);
        } catch (RocksDBException e) {
            options.close();
            cache.close();
            bloom.close();
            throw new ReplicaFatalException(ErrorKind.REPLICA_FATAL, "cannot open RocksDB at " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public EngineKind kind() {
        return EngineKind.ROCKSDB;
    }

    @Override
    public byte[] get(byte[] key) {
        try {
            return db.get(key);
        } catch (RocksDBException e) {
            throw fatal("read", e);
        }
    }

    @Override
    public EngineIterator iterator(byte[] from, byte[] to, boolean reverse) {
        return new RocksIterator(db, null, from, to, reverse);
    }

    @Override
    public void write(WriteBatch batch) {
        try (org.rocksdb.WriteBatch native_ = new org.rocksdb.WriteBatch()) {
            for (WriteBatch.Op op : batch.ops()) {
                if (op instanceof WriteBatch.Put p) {
                    native_.put(p.key(), p.value());
                } else if (op instanceof WriteBatch.Delete d) {
                    native_.delete(d.key());
                } else if (op instanceof WriteBatch.DeleteRange r) {
                    native_.deleteRange(r.start(), r.end() == null ? ABOVE_ALL : r.end());
                }
            }
            db.write(writeOptions, native_);
        } catch (RocksDBException e) {
            throw fatal("write", e);
        }
    }

    /** Sorts after every key the store writes (all physical keys start with a prefix byte below 0xff). */
    private static final byte[] ABOVE_ALL = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};

    @Override
    public EngineSnapshot snapshot() {
        Snapshot snapshot = db.getSnapshot();
        return new EngineSnapshot() {
            private boolean released;

            @Override
            public byte[] get(byte[] key) {
                try (ReadOptions read = new ReadOptions().setSnapshot(snapshot)) {
                    return db.get(read, key);
                } catch (RocksDBException e) {
                    throw fatal("read", e);
                }
            }

            @Override
            public EngineIterator iterator(byte[] from, byte[] to, boolean reverse) {
                return new RocksIterator(db, snapshot, from, to, reverse);
            }

            @Override
            public synchronized void close() {
                if (!released) {
                    released = true;
                    db.releaseSnapshot(snapshot);
                }
            }
        };
    }

    @Override
    public long approximateSize(byte[] from, byte[] to) {
        try (Slice start = new Slice(from == null ? new byte[0] : from);
             Slice end = new Slice(to == null ? ABOVE_ALL : to)) {
            long[] sizes = db.getApproximateSizes(List.of(new Range(start, end)),
                    org.rocksdb.SizeApproximationFlag.INCLUDE_FILES,
                    org.rocksdb.SizeApproximationFlag.INCLUDE_MEMTABLES);
            return sizes[0];
        }
    }

    /**
     * Estimated from sizes: the database-wide key estimate scaled by the range's share of the data. Cheap and good
     * enough for split decisions; exact counting would read the whole range.
     */
    @Override
    public long approximateKeys(byte[] from, byte[] to) {
        try {
            long totalKeys = db.getLongProperty("rocksdb.estimate-num-keys");
            long totalSize = approximateSize(null, null);
            if (totalSize <= 0 || totalKeys <= 0) {
                return 0;
            }
            return Math.round((double) totalKeys * approximateSize(from, to) / totalSize);
        } catch (RocksDBException e) {
            throw fatal("estimate keys", e);
        }
    }

    @Override
    public void sync() {
        try {
            db.flushWal(true);
        } catch (RocksDBException e) {
            throw fatal("sync", e);
        }
    }

    /** Flushes memtables to SST files; benchmarks call it to measure reads without a memtable in the way. */
    public void flush() {
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            db.flush(flush);
        } catch (RocksDBException e) {
            throw fatal("flush", e);
        }
    }


    @Override
    public void close() {
        try {
            db.flushWal(true);
        } catch (RocksDBException ignored) {
            // Closing anyway; the Raft log replays what did not reach the disk.
        }
        writeOptions.close();
        db.close();
        options.close();
        cache.close();
        bloom.close();
    }

    private static ReplicaFatalException fatal(String what, RocksDBException e) {
        return new ReplicaFatalException(ErrorKind.REPLICA_FATAL, "RocksDB " + what + " failed: " + e.getMessage(),
                e);
    }
}
