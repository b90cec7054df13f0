package io.rangekv.bench.load;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * What a {@link TargetLauncher} gets for one run.
 *
 * @param workDir  an empty directory for this target's data, configs and logs (kept after the run for reading)
 * @param engine   the storage engine where the target has a choice ("rocksdb", "lmdb", "memory"); RheaKV uses
 *                 the same one as RangeKV so the comparison is engine to engine
 * @param replicas servers per cluster (3 for every target in the report)
 * @param progress where start-up progress goes ("etcd: 3 members ready in 2.1 s")
 * @param regions  RangeKV only: regions to pre-split the key space into before loading, leaders balanced and
 *                 load-based splitting off (0 or 1: the PD's own placement, splitting by load during the run)
 */
public record TargetContext(Path workDir, String engine, int replicas, PrintStream progress, int regions) {
    public TargetContext {
        if (regions < 0) {
            throw new IllegalArgumentException("regions must be >= 0: " + regions);
        }
    }

    /** The PD's own placement: no pre-split. */
    public TargetContext(Path workDir, String engine, int replicas, PrintStream progress) {
        this(workDir, engine, replicas, progress, 0);
    }
}
