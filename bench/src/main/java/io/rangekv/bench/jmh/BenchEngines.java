package io.rangekv.bench.jmh;

import io.rangekv.config.DataSize;
import io.rangekv.store.engine.Engine;
import io.rangekv.store.engine.EngineConfig;
import io.rangekv.store.engine.EngineKind;
import io.rangekv.store.engine.Engines;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Engines in temporary directories for benchmarks: default tuning, an LMDB map large enough for any run. */
final class BenchEngines {
    private BenchEngines() {
    }

    static Engine open(EngineKind kind, Path dir) {
        return Engines.open(new EngineConfig(kind, dir,
                new EngineConfig.LmdbSettings(DataSize.ofGigabytes(4), 126), EngineConfig.RocksSettings.DEFAULTS));
    }

    static void delete(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
