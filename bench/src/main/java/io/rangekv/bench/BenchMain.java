package io.rangekv.bench;

import io.rangekv.bench.load.LoadRunner;
import io.rangekv.bench.load.RunResult;
import io.rangekv.bench.load.Targets;
import io.rangekv.bench.load.Workload;
import io.rangekv.bench.load.WorkloadFile;
import io.rangekv.bench.report.Environment;
import io.rangekv.bench.report.ComparisonReport;
import io.rangekv.bench.report.Report;
import io.rangekv.bench.scenario.Comparison;
import io.rangekv.bench.scenario.ScaleOutScenario;
import io.rangekv.bench.target.etcd.EtcdLauncher;
import io.rangekv.bench.target.rangekv.RangeKvHttpLauncher;
import io.rangekv.bench.target.rangekv.RangeKvLauncher;
import io.rangekv.bench.target.rheakv.RheaKvLauncher;
import io.rangekv.config.Settings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ./rangekv bench}: runs one workload against each named target in turn (each on a fresh cluster it starts
 * on loopback and stops afterwards), then writes a report with the ratios of the first target to the others.
 * A target that cannot run here is reported with how to install it, and the others still run.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Run a YCSB-style workload against RangeKV and its peers side by side; write a report.")
public final class BenchMain implements Callable<Integer> {
    @Option(names = "--workload", defaultValue = "a", description = "a..f (YCSB core workloads), write, read (only "
            + "updates, only reads) or a file path")
    String workload;
    @Option(names = "--targets", split = ",", defaultValue = "rangekv",
            description = "comma-separated, first is the baseline of the ratios: rangekv, rangekv-http, etcd (needs "
                    + "etcd-server installed), rheakv")
    List<String> targets;
    @Option(names = "--duration", description = "measured time per target (e.g. 60s)")
    String duration;
    @Option(names = "--warmup", description = "unrecorded run before measuring (e.g. 15s)")
    String warmup;
    @Option(names = "--ops", description = "stop after this many measured operations")
    Long ops;
    @Option(names = "--inflight", description = "requests kept outstanding")
    Integer inflight;
    @Option(names = "--records", description = "records loaded first")
    Long records;
    @Option(names = "--value-size", description = "bytes per value")
    Integer valueSize;
    @Option(names = "--engine", defaultValue = "rocksdb", description = "memory, lmdb or rocksdb (RangeKV; RheaKV "
            + "uses the same where it has it)")
    String engine;
    @Option(names = "--regions", defaultValue = "0", description = "RangeKV: pre-split the key space into this many "
            + "regions (4: RheaKV's boundaries), leaders balanced, no load-based split; 0: the PD splits by load "
            + "during the run")
    int regions;
    @Option(names = "--seed", defaultValue = "42", description = "random seed of the key and operation sequence")
    long seed;
    @Option(names = "--scenario", description = "compare: write-only and read-only at --inflight, then a single "
            + "client's puts, on each of --targets, with the goals against etcd and RheaKV judged (--workload does not "
            + "apply); scale-out: RangeKV alone, 1 -> 3 -> 5 stores, one killed, a region split and moved, all under "
            + "load (--targets and --duration do not apply)")
    String scenario;
    @Option(names = "--settle", defaultValue = "20s", description = "scale-out: undisturbed load before, between and "
            + "after the steps")
    String settle;
    @Option(names = "--out", description = "report directory (default bench/results/<date>-<commit>)")
    Path out;

    private final PrintStream console = System.out;
    private final List<String> args;

    BenchMain(List<String> args) {
        this.args = args;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain(List.of(args))).execute(args));
    }

    /** Every target kind this build knows. */
    static Targets knownTargets() {
        return new Targets(List.of(new RangeKvLauncher(), new RangeKvHttpLauncher(), new EtcdLauncher(),
                new RheaKvLauncher()));
    }

    @Override
    public Integer call() throws Exception {
        Workload w = overridden(WorkloadFile.load(workload));
        Targets known = knownTargets();
        for (String t : targets) {
            if (known.find(t).isEmpty()) {
                throw new CommandLine.ParameterException(new CommandLine(this), "unknown target '" + t
                        + "'; known: " + known.names());
            }
        }
        if (regions < 0) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--regions must be >= 0: " + regions);
        }
        Environment env = Environment.detect("./rangekv bench " + String.join(" ", args));
        Path dir = out != null ? out : Path.of(System.getProperty("rangekv.home", "."), "bench", "results",
                env.date() + "-" + env.commit());
        Path work = Files.createTempDirectory("rangekv-bench-");
        if ("compare".equals(scenario)) {
            return runComparison(known, env, dir, work);
        }
        if (scenario != null) {
            return runScenario(w, env, dir, work);
        }
        console.printf("workload %s: %s, %s keys, %,d records, %d B values, %d in flight, warm-up %s, measure %s%n",
                w.name(), w.mix(), w.distribution().name().toLowerCase(), w.records(), w.valueSize(), w.inflight(),
                w.warmup(), w.duration());
        SideBySide.Outcome outcome = sideBySide(known, work,
                runner -> target -> List.of(runner.run(target, w, seed, timeline -> { })));
        if (outcome.runs().isEmpty()) {
            return 1;
        }
        Report.write(dir, env, outcome.runs(), outcome.skipped());
        console.printf("report: %s (summary.md, results.json, plots)%n", dir);
        return 0;
    }

    /** {@code --scenario compare}: the write, read and single-client phases on every target; the goals judged. */
    private int runComparison(Targets known, Environment env, Path dir, Path work) throws Exception {
        Comparison comparison = new Comparison(overridden(WorkloadFile.load("write")),
                overridden(WorkloadFile.load("read")));
        Workload w = comparison.phases().get(0).workload();
        console.printf("comparison: phases %s on each of %s; %,d records, %d B values, %d in flight (1 for "
                        + "put-single), warm-up %s and %s measured per phase%n",
                comparison.phases().stream().map(Comparison.Phase::name).toList(), targets, w.records(),
                w.valueSize(), w.inflight(), w.warmup(), w.duration());
        SideBySide.Outcome outcome = sideBySide(known, work,
                runner -> target -> comparison.measure(runner, target, seed));
        if (outcome.runs().isEmpty()) {
            return 1;
        }
        Map<String, List<RunResult>> byPhase = new LinkedHashMap<>();
        comparison.phases().forEach(p -> byPhase.put(p.name(), outcome.runs().stream()
                .filter(r -> r.workload().equals(p.name())).toList()));
        ComparisonReport.write(dir, env, byPhase, outcome.skipped());
        console.printf("report: %s (summary.md with the goals; one directory per phase)%n", dir);
        return 0;
    }

    /**
     * Runs the measurement {@code perRunner} makes with one load runner against each of {@code --targets} in turn;
     * says so on the console when no target ran.
     */
    private SideBySide.Outcome sideBySide(Targets known, Path work,
                                          java.util.function.Function<LoadRunner, SideBySide.Measurement> perRunner)
            throws Exception {
        SideBySide.Outcome outcome;
        try (LoadRunner runner = new LoadRunner(console, Duration.ofSeconds(5))) {
            outcome = new SideBySide(known, work, engine, regions, console).run(targets, perRunner.apply(runner));
        }
        if (outcome.runs().isEmpty()) {
            console.println("no target ran: " + outcome.skipped());
        }
        return outcome;
    }

    private int runScenario(Workload w, Environment env, Path dir, Path work) throws Exception {
        if (!scenario.equals("scale-out")) {
            throw new CommandLine.ParameterException(new CommandLine(this), "unknown scenario '" + scenario
                    + "'; known: compare, scale-out");
        }
        console.printf("scale-out scenario: workload %s, %,d records, %d in flight, %s engine, %s between steps "
                + "(logs under %s)%n", w.name(), w.records(), w.inflight(), engine, settle, work);
        RunResult r;
        try (LoadRunner runner = new LoadRunner(console, Duration.ofSeconds(5))) {
            r = new ScaleOutScenario(work, engine, Settings.parseDuration(settle), console).run(runner, w, seed);
        }
        WorkDir.keepOnlyLogs(work);
        console.printf("scale-out: %,.0f ops/s over %.0f s, p99 %.2f ms, %d errors%n", r.opsPerSecond(), r.seconds(),
                r.overall().p99Micros() / 1000.0, r.errorCount());
        Report.write(dir, env, List.of(r), Map.of());
        console.printf("report: %s (summary.md, results.json, plots)%n", dir);
        return 0;
    }

    private Workload overridden(Workload w) {
        if (duration != null) {
            w = w.withDuration(Settings.parseDuration(duration));
        }
        if (warmup != null) {
            w = w.withWarmup(Settings.parseDuration(warmup));
        }
        if (ops != null) {
            w = w.withOperations(ops);
        }
        if (inflight != null) {
            w = w.withInflight(inflight);
        }
        if (records != null) {
            w = w.withRecords(records);
        }
        if (valueSize != null) {
            w = w.withValueSize(valueSize);
        }
        return w;
    }
}
