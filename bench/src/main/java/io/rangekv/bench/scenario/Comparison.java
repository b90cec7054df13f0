package io.rangekv.bench.scenario;

import io.rangekv.bench.load.LoadRunner;
import io.rangekv.bench.load.RunResult;
import io.rangekv.bench.load.Target;
import io.rangekv.bench.load.Workload;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./rangekv bench --scenario compare}: the runs the goals against the peers are stated on (see
 * {@code report.Goals}), one after the other on each target's one cluster, after one load of the records:
 * <ol>
 *   <li>{@code write}: updates only, {@code inflight} outstanding (64 by default): write throughput;</li>
 *   <li>{@code read}: linearizable point reads only, the same concurrency: read throughput;</li>
 *   <li>{@code put-single}: updates only, one at a time: a single client's put latency.</li>
 * </ol>
 * Each phase has its own warm-up, so a phase's figures do not include the switch from the one before.
 */
public final class Comparison {
    /** One measured phase: a name for its report directory and the workload it runs. */
    public record Phase(String name, Workload workload) {
    }

    private final List<Phase> phases;

    /**
     * @param write the write-only workload (its records, value size, pacing and in-flight count are the run's)
     * @param read  the read-only workload, run at the same scale
     */
    public Comparison(Workload write, Workload read) {
        if (write.records() != read.records()) {
            throw new IllegalArgumentException("the phases share one load: record counts differ ("
                    + write.records() + " vs " + read.records() + ")");
        }
        this.phases = List.of(new Phase("write", write.withName("write")),
                new Phase("read", read.withName("read")),
                new Phase("put-single", write.withName("put-single").withInflight(1)));
    }

    public List<Phase> phases() {
        return phases;
    }

    /** Loads the records into {@code target} once, then measures every phase in order. */
    public List<RunResult> measure(LoadRunner runner, Target target, long seed) throws InterruptedException {
        runner.load(target, phases.get(0).workload(), seed);
        List<RunResult> runs = new ArrayList<>();
        for (Phase phase : phases) {
            runs.add(runner.measure(target, phase.workload(), seed, timeline -> { }));
        }
        return runs;
    }
}
