package io.rangekv.bench.target.rheakv;

import com.alipay.sofa.jraft.rhea.storage.StorageType;

/**
 * The RheaKV storage type that stands in for the bench's {@code --engine}: RheaKV has RocksDB and Memory, and no
 * LMDB, so "lmdb" runs on RocksDB and every description says so.
 *
 * @param asked       the bench's engine name
 * @param storageType what RheaKV runs
 */
record RheaKvEngine(String asked, StorageType storageType) {
    static RheaKvEngine of(String engine) {
        return switch (engine) {
            case "rocksdb", "lmdb" -> new RheaKvEngine(engine, StorageType.RocksDB);
            case "memory" -> new RheaKvEngine(engine, StorageType.Memory);
            default -> throw new IllegalArgumentException("unknown engine '" + engine + "': memory, lmdb or rocksdb");
        };
    }

    /** "RocksDB", "Memory", or "RocksDB (lmdb asked for: RheaKV has no LMDB engine)". */
    String describe() {
        String name = storageType == StorageType.RocksDB ? "RocksDB" : "Memory";
        return asked.equals("lmdb") ? name + " (lmdb asked for: RheaKV has no LMDB engine)" : name;
    }
}
