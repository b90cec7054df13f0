package io.rangekv.bench.load;

import java.util.List;
import java.util.Map;

/**
 * What one target did under one workload: throughput and latencies of the measured phase, errors by kind,
 * client-side retries, CPU, and the per-second timeline.
 *
 * @param mix         the workload's share of each operation (what the goals in the report apply to)
 * @param serverCores cores the target's server processes used on average (0 when they run in the bench JVM)
 * @param benchCores  cores the bench JVM used (the client; an embedded target's servers too)
 */
public record RunResult(String target, String durability, String workload, Map<Workload.Op, Double> mix,
                        int inflight, double seconds,
                        long operations, double opsPerSecond, LatencySummary overall,
                        Map<Workload.Op, LatencySummary> byOp, Map<String, Long> errors, Map<String, Long> retries,
                        double serverCores, double benchCores, List<Timeline.Bucket> timeline,
                        List<Timeline.Mark> marks) {
    /** Only updates and inserts: a write throughput (or, with one in flight, a put latency) run. */
    public boolean writeOnly() {
        return mix.keySet().stream().allMatch(op -> op == Workload.Op.UPDATE || op == Workload.Op.INSERT);
    }

    /** Only point reads. */
    public boolean readOnly() {
        return mix.keySet().equals(java.util.Set.of(Workload.Op.READ));
    }

    public long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }
}
