package io.rangekv.bench.target.rangekv;

import io.rangekv.bench.load.LoadRunner;
import io.rangekv.bench.load.RunResult;
import io.rangekv.bench.load.Target;
import io.rangekv.bench.load.TargetContext;
import io.rangekv.bench.load.Workload;
import io.rangekv.bench.load.WorkloadFile;
import io.rangekv.bench.report.Environment;
import io.rangekv.bench.report.Report;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A few seconds of workload A (50 % reads, 50 % updates, zipfian) through the SDK against a real cluster of
 * processes (1 PD, 3 RocksDB stores): every operation succeeds, the timeline covers the run, the servers' CPU is
 * measured, and the report is written.
 */
class BenchSmokeIT {
    @TempDir
    Path dir;

    @Test
    void workloadAAgainstASmallCluster() throws Exception {
        Workload w = WorkloadFile.load("a").withRecords(1_000).withInflight(16).withWarmup(Duration.ofSeconds(1))
                .withDuration(Duration.ofSeconds(3));
        RunResult r;
        try (Target target = new RangeKvLauncher().start(new TargetContext(dir.resolve("cluster"), "rocksdb", 3,
                System.out)); LoadRunner runner = new LoadRunner(System.out, Duration.ofSeconds(1))) {
            r = runner.run(target, w, 42, t -> t.mark("measuring"));
        }
        assertEquals(0, r.errorCount(), r.errors().toString());
        assertTrue(r.operations() > 100, "ops: " + r.operations());
        assertTrue(r.byOp().containsKey(Workload.Op.READ) && r.byOp().containsKey(Workload.Op.UPDATE));
        assertTrue(r.timeline().size() >= 3, r.timeline().toString());
        assertTrue(r.serverCores() > 0, "the stores' CPU is measured");
        assertEquals(List.of("measuring"), r.marks().stream().map(m -> m.label()).toList());
        String summary = Report.write(dir.resolve("report"), Environment.detect("smoke"), List.of(r), Map.of());
        assertTrue(Files.exists(dir.resolve("report/results.json")));
        System.out.printf("bench smoke: %,.0f ops/s, p50 %.2f ms, p99 %.2f ms over %.1f s, server cores %.2f%n",
                r.opsPerSecond(), r.overall().p50Micros() / 1000.0, r.overall().p99Micros() / 1000.0, r.seconds(),
                r.serverCores());
        assertTrue(summary.contains("rangekv"));
    }
}
