package io.rangekv.bench.load;

import java.util.List;
import java.util.Map;

/**
 * What one target did under one workload: throughput and latencies of the measured phase, errors by kind,
 * client-side retries, CPU, and the per-second timeline.
 *
 * @param serverCores cores the target's server processes used on average (0 when they run in the bench JVM)
 * @param benchCores  cores the bench JVM used (the client; an embedded target's servers too)
 */
public record RunResult(String target, String durability, String workload, int inflight, double seconds,
                        long operations, double opsPerSecond, LatencySummary overall,
                        Map<Workload.Op, LatencySummary> byOp, Map<String, Long> errors, Map<String, Long> retries,
                        double serverCores, double benchCores, List<Timeline.Bucket> timeline,
                        List<Timeline.Mark> marks) {
    public long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }
}
