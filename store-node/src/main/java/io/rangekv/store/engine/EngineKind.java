package io.rangekv.store.engine;

import java.util.Locale;

/** The three local engines, by the workload each suits. */
public enum EngineKind {
    /** A concurrent sorted map: hot, small data and tests. State is rebuilt from the Raft log on restart. */
    MEMORY,
    /** LMDB: a memory-mapped B+tree with one writer; read-heavy ranges. */
    LMDB,
    /** RocksDB: an LSM tree; write-heavy ranges. */
    ROCKSDB;

    /** The name used in config files and store labels: {@code memory}, {@code lmdb}, {@code rocksdb}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static EngineKind fromLabel(String label) {
        for (EngineKind kind : values()) {
            if (kind.label().equals(label.trim().toLowerCase(Locale.ROOT))) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown engine '" + label + "': expected memory, lmdb or rocksdb");
    }
}
