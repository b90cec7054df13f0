package io.rangekv.store.engine;

import io.rangekv.store.engine.lmdb.LmdbEngine;
import io.rangekv.store.engine.mem.MemEngine;
import io.rangekv.store.engine.rocks.RocksEngine;

/** Opens the engine a config names: the one place that chooses by kind. */
public final class Engines {
    private Engines() {
    }

    public static Engine open(EngineConfig config) {
        return switch (config.kind()) {
            case MEMORY -> new MemEngine();
            case LMDB -> LmdbEngine.open(config.dataDir(), config.lmdb());
            case ROCKSDB -> RocksEngine.open(config.dataDir(), config.rocks());
        };
    }
}
