package io.rangekv.store.engine;

import io.rangekv.config.DataSize;
import io.rangekv.config.Settings;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Which engine a store runs and how it is tuned. Defaults live here and nowhere else; {@code deploy/config/store.conf}
 * lists the same keys (a test keeps the two in step).
 *
 * @param kind    memory, lmdb or rocksdb
 * @param dataDir where the engine keeps its files (unused by the memory engine)
 */
public record EngineConfig(EngineKind kind, Path dataDir, LmdbSettings lmdb, RocksSettings rocks) {
    public EngineConfig {
        Objects.requireNonNull(kind, "engine.kind");
        Objects.requireNonNull(dataDir, "dataDir");
    }

    /**
     * LMDB, tuned for read-heavy ranges.
     *
     * @param mapSize the largest the database may grow; address space only until used. A full map stops the
     *                replica with a storage-full error, so size it above the data the store will hold.
     * @param maxReaders concurrent read transactions (open iterators and snapshots)
     */
    public record LmdbSettings(DataSize mapSize, int maxReaders) {
        public static final LmdbSettings DEFAULTS = new LmdbSettings(DataSize.ofGigabytes(8), 1024);

        public LmdbSettings {
            if (mapSize.bytes() < DataSize.ofMegabytes(1).bytes()) {
                throw new IllegalArgumentException("engine.lmdb.map-size must be at least 1MB: " + mapSize);
            }
            if (maxReaders < 1) {
                throw new IllegalArgumentException("engine.lmdb.max-readers must be positive: " + maxReaders);
            }
        }
    }

    /**
     * RocksDB, tuned for write-heavy ranges.
     *
     * @param writeBufferSize  one memtable; larger absorbs more writes before a flush
     * @param maxWriteBuffers  memtables (one active, the rest flushing) before writes stall
     * @param blockCacheSize   cache of uncompressed blocks for reads
     * @param bloomBitsPerKey  bloom filter size; 10 bits gives ~1 % false positives on point reads
     * @param maxBackgroundJobs flush and compaction threads
     * @param targetFileSize   SST file size at level 1
     */
    public record RocksSettings(DataSize writeBufferSize, int maxWriteBuffers, DataSize blockCacheSize,
                                int bloomBitsPerKey, int maxBackgroundJobs, DataSize targetFileSize) {
        public static final RocksSettings DEFAULTS = new RocksSettings(DataSize.ofMegabytes(64), 4,
                DataSize.ofMegabytes(256), 10, 2, DataSize.ofMegabytes(64));

        public RocksSettings {
            if (writeBufferSize.bytes() < DataSize.ofMegabytes(1).bytes()) {
                throw new IllegalArgumentException("engine.rocksdb.write-buffer-size must be at least 1MB");
            }
            if (maxWriteBuffers < 2) {
                throw new IllegalArgumentException("engine.rocksdb.max-write-buffers must be at least 2");
            }
            if (bloomBitsPerKey < 0 || bloomBitsPerKey > 32) {
                throw new IllegalArgumentException("engine.rocksdb.bloom-bits-per-key must be in 0..32");
            }
            if (maxBackgroundJobs < 1) {
                throw new IllegalArgumentException("engine.rocksdb.max-background-jobs must be positive");
            }
        }
    }

    public static EngineConfig memory(Path dataDir) {
        return new EngineConfig(EngineKind.MEMORY, dataDir, LmdbSettings.DEFAULTS, RocksSettings.DEFAULTS);
    }

    public static EngineConfig from(Settings s, Path dataDir) {
        LmdbSettings l = LmdbSettings.DEFAULTS;
        RocksSettings r = RocksSettings.DEFAULTS;
        return new EngineConfig(
                EngineKind.fromLabel(s.getString("engine.kind", EngineKind.ROCKSDB.label())),
                dataDir,
                new LmdbSettings(
                        s.getDataSize("engine.lmdb.map-size", l.mapSize()),
                        s.getInt("engine.lmdb.max-readers", l.maxReaders())),
                new RocksSettings(
                        s.getDataSize("engine.rocksdb.write-buffer-size", r.writeBufferSize()),
                        s.getInt("engine.rocksdb.max-write-buffers", r.maxWriteBuffers()),
                        s.getDataSize("engine.rocksdb.block-cache-size", r.blockCacheSize()),
                        s.getInt("engine.rocksdb.bloom-bits-per-key", r.bloomBitsPerKey()),
                        s.getInt("engine.rocksdb.max-background-jobs", r.maxBackgroundJobs()),
                        s.getDataSize("engine.rocksdb.target-file-size", r.targetFileSize())));
    }
}
