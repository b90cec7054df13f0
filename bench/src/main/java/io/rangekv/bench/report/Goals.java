package io.rangekv.bench.report;

import io.rangekv.bench.load.RunResult;

import java.util.ArrayList;
import java.util.List;

/**
 * RangeKV's performance goals against its peers (the benchmarks issue), judged on two runs of one workload: ours
 * and a peer's. The one place those goals are written down; the summaries only print the verdicts.
 *
 * <ul>
 *   <li>etcd, write-only, 64 or more in flight: our throughput at least 3x etcd's.</li>
 *   <li>etcd, read-only (both linearizable), 64 or more in flight: our throughput at least 3x etcd's.</li>
 *   <li>etcd, write-only, one in flight (a single client's puts): our p50 at most etcd's.</li>
 *   <li>RheaKV, any workload (same engine): our throughput at least 1.5x RheaKV's and our p99 at most its p99.</li>
 * </ul>
 * Other workloads against etcd get ratios only: the etcd goals are defined on the runs above
 * ({@code ./rangekv bench --scenario compare} runs all three).
 */
public final class Goals {
    /** The in-flight count the throughput goals are stated at. */
    static final int LOADED = 64;

    /**
     * One goal's outcome.
     *
     * @param goal     the goal in words ("write throughput >= 3x etcd's")
     * @param metric   what was compared ("ops/s" or "ms")
     * @param ours     our figure, in the metric's unit
     * @param peers    the peer's figure
     * @param met      whether the goal was met
     * @param progress how far along: 1.0 or more is met (our throughput ratio / the required ratio, or the peer's
     *                 latency / ours)
     */
    public record Verdict(String goal, String metric, double ours, double peers, boolean met, double progress) {
        public String line() {
            return String.format("%s: %s (%s vs %s %s; %.2f of the goal)", goal, met ? "met" : "MISSED",
                    figure(ours), figure(peers), metric, progress);
        }

        static String figure(double value) {
            return value >= 100 ? String.format("%,.0f", value) : String.format("%.2f", value);
        }
    }

    private Goals() {
    }

    /** The goals that apply to these two runs of one workload, judged; empty when none applies. */
    public static List<Verdict> judge(RunResult ours, RunResult peer) {
        List<Verdict> verdicts = new ArrayList<>();
        if (isPeer(peer, "etcd")) {
            if (ours.writeOnly() && ours.inflight() >= LOADED) {
                verdicts.add(throughput("write throughput >= 3x etcd's", ours, peer, 3));
            } else if (ours.readOnly() && ours.inflight() >= LOADED) {
                verdicts.add(throughput("linearizable read throughput >= 3x etcd's", ours, peer, 3));
            } else if (ours.writeOnly() && ours.inflight() == 1) {
                verdicts.add(latency("single-client put p50 <= etcd's", "ms", ours.overall().p50Micros(),
                        peer.overall().p50Micros()));
            }
        } else if (isPeer(peer, "rheakv")) {
            verdicts.add(throughput("throughput >= 1.5x RheaKV's", ours, peer, 1.5));
            verdicts.add(latency("p99 <= RheaKV's", "ms", ours.overall().p99Micros(),
                    peer.overall().p99Micros()));
        }
        return verdicts;
    }

    private static boolean isPeer(RunResult run, String kind) {
        return run.target().startsWith(kind);
    }

    private static Verdict throughput(String goal, RunResult ours, RunResult peer, double required) {
        double ratio = ours.opsPerSecond() / Math.max(1e-9, peer.opsPerSecond());
        return new Verdict(goal, "ops/s", ours.opsPerSecond(), peer.opsPerSecond(), ratio >= required,
                ratio / required);
    }

    private static Verdict latency(String goal, String metric, long oursMicros, long peersMicros) {
        return new Verdict(goal, metric, oursMicros / 1000.0, peersMicros / 1000.0, oursMicros <= peersMicros,
                oursMicros == 0 ? 0 : (double) peersMicros / oursMicros);
    }
}
