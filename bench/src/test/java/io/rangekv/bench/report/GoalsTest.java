package io.rangekv.bench.report;

import io.rangekv.bench.load.LatencySummary;
import io.rangekv.bench.load.RunResult;
import io.rangekv.bench.load.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which goal applies to which pair of runs, met or missed, and how the comparison report prints them. */
class GoalsTest {
    private static final Map<Workload.Op, Double> WRITES = Map.of(Workload.Op.UPDATE, 1.0);
    private static final Map<Workload.Op, Double> READS = Map.of(Workload.Op.READ, 1.0);
    private static final Map<Workload.Op, Double> MIXED = Map.of(Workload.Op.READ, 0.5, Workload.Op.UPDATE, 0.5);

    @TempDir
    Path dir;

    /** A run of {@code target} with the given throughput and latencies (ms). */
    static RunResult run(String target, String workload, Map<Workload.Op, Double> mix, int inflight, double opsPerSec,
                         double p50Ms, double p99Ms) {
        LatencySummary overall = new LatencySummary(1000, p50Ms * 1000, (long) (p50Ms * 1000),
                (long) (p99Ms * 1000), (long) (p99Ms * 1200), (long) (p99Ms * 1500));
        return new RunResult(target, target + " durability", workload, mix, inflight, 30, (long) (opsPerSec * 30),
                opsPerSec, overall, Map.of(), Map.of(), Map.of(), 1.0, 0.2, List.of(), List.of());
    }

    @Test
    void writeOnlyAtSixtyFourInFlightIsJudgedOnThreeTimesEtcdsThroughput() {
        List<Goals.Verdict> missed = Goals.judge(run("rangekv", "write", WRITES, 64, 6_000, 8, 30),
                run("etcd", "write", WRITES, 64, 4_000, 10, 40));
        assertEquals(1, missed.size(), missed.toString());
        Goals.Verdict v = missed.get(0);
        assertEquals("write throughput >= 3x etcd's", v.goal());
        assertFalse(v.met());
        assertEquals(0.5, v.progress(), 1e-9, "1.5x of the 3x asked for");
        assertTrue(v.line().contains("MISSED") && v.line().contains("6,000 vs 4,000 ops/s"), v.line());

        Goals.Verdict met = Goals.judge(run("rangekv", "write", WRITES, 64, 12_001, 8, 30),
                run("etcd", "write", WRITES, 64, 4_000, 10, 40)).get(0);
        assertTrue(met.met(), met.line());
    }

    @Test
    void readOnlyIsJudgedOnReadThroughputAndOneInFlightOnPutLatency() {
        Goals.Verdict read = Goals.judge(run("rangekv", "read", READS, 64, 30_000, 2, 9),
                run("etcd", "read", READS, 64, 9_000, 7, 20)).get(0);
        assertEquals("linearizable read throughput >= 3x etcd's", read.goal());
        assertTrue(read.met(), read.line());

        List<Goals.Verdict> single = Goals.judge(run("rangekv", "put-single", WRITES, 1, 400, 2.5, 6),
                run("etcd", "put-single", WRITES, 1, 500, 2.0, 5));
        assertEquals(1, single.size(), single.toString());
        assertEquals("single-client put p50 <= etcd's", single.get(0).goal());
        assertFalse(single.get(0).met(), "2.5 ms is slower than etcd's 2.0 ms");
        assertEquals(0.8, single.get(0).progress(), 1e-9);
    }

    @Test
    void aMixedWorkloadHasNoEtcdGoalButRheaKvsApplyToEveryWorkload() {
        assertTrue(Goals.judge(run("rangekv", "a", MIXED, 64, 6_000, 8, 30),
                run("etcd", "a", MIXED, 64, 4_000, 10, 40)).isEmpty());
        List<Goals.Verdict> rhea = Goals.judge(run("rangekv", "a", MIXED, 64, 6_000, 8, 36),
                run("rheakv", "a", MIXED, 64, 4_000, 11, 34));
        assertEquals(List.of("throughput >= 1.5x RheaKV's", "p99 <= RheaKV's"),
                rhea.stream().map(Goals.Verdict::goal).toList());
        assertTrue(rhea.get(0).met(), "1.5x exactly is met");
        assertFalse(rhea.get(1).met(), "36 ms > 34 ms");
    }

    @Test
    void theComparisonReportJudgesEveryPhaseAndWritesOneReportPerPhase() throws Exception {
        Map<String, List<RunResult>> byPhase = new LinkedHashMap<>();
        byPhase.put("write", List.of(run("rangekv", "write", WRITES, 64, 6_000, 8, 30),
                run("etcd", "write", WRITES, 64, 4_000, 10, 40), run("rheakv", "write", WRITES, 64, 5_000, 9, 25)));
        byPhase.put("read", List.of(run("rangekv", "read", READS, 64, 30_000, 2, 9),
                run("etcd", "read", READS, 64, 9_000, 7, 20)));
        byPhase.put("put-single", List.of(run("rangekv", "put-single", WRITES, 1, 400, 2.5, 6),
                run("etcd", "put-single", WRITES, 1, 500, 2.0, 5)));
        String md = ComparisonReport.write(dir, Environment.detect("test"), byPhase, Map.of());
        for (String phase : byPhase.keySet()) {
            assertTrue(Files.isRegularFile(dir.resolve(phase).resolve("summary.md")), phase);
            assertTrue(Files.isRegularFile(dir.resolve(phase).resolve("results.json")), phase);
        }
        assertTrue(md.contains("| write throughput >= 3x etcd's | [write](write/summary.md) | 6,000 ops/s | "
                + "4,000 ops/s | **MISSED** (0.50 of the goal) |"), md);
        assertTrue(md.contains("| linearizable read throughput >= 3x etcd's | [read](read/summary.md) | 30,000 ops/s "
                + "| 9,000 ops/s | **met** (1.11 of the goal) |"), md);
        assertTrue(md.contains("| single-client put p50 <= etcd's | [put-single](put-single/summary.md) | 2.50 "
                + "ms | 2.00 ms | **MISSED** (0.80 of the goal) |"), md);
        assertTrue(md.contains("| p99 <= RheaKV's | [write](write/summary.md) |"), md);
        assertTrue(md.contains("| put-single | rangekv | 1 | 400 |"), md);
        assertTrue(md.contains("- etcd: etcd durability"), md);
    }
}
