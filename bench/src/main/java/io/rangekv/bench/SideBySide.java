package io.rangekv.bench;

import io.rangekv.bench.load.RunResult;
import io.rangekv.bench.load.Target;
import io.rangekv.bench.load.TargetContext;
import io.rangekv.bench.load.TargetLauncher;
import io.rangekv.bench.load.Targets;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the same measurement against each named target in turn, each on a fresh cluster started under its own
 * directory of {@code workDir} and stopped afterwards; a stopped target's data is deleted and its logs kept
 * ({@link WorkDir}). A target that cannot run here (not installed) or fails is recorded in {@link Outcome#skipped()}
 * with the reason, keeps all its files, and the others still run.
 */
final class SideBySide {
    /** What to do with one started target: the runs it produced, in order. */
    interface Measurement {
        List<RunResult> run(Target target) throws Exception;
    }

    /** Every run of every target that ran, in target order; each target that did not run, with why. */
    record Outcome(List<RunResult> runs, Map<String, String> skipped) {
    }

    private final Targets known;
    private final Path workDir;
    private final String engine;
    private final int regions;
    private final PrintStream console;

    /** {@code regions}: RangeKV's pre-split regions, see {@link TargetContext#regions()}. */
    SideBySide(Targets known, Path workDir, String engine, int regions, PrintStream console) {
        this.known = known;
        this.workDir = workDir;
        this.engine = engine;
        this.regions = regions;
        this.console = console;
    }

    Outcome run(List<String> targets, Measurement measurement) throws Exception {
        List<RunResult> runs = new ArrayList<>();
        Map<String, String> skipped = new LinkedHashMap<>();
        for (String name : targets) {
            TargetLauncher launcher = known.find(name).orElseThrow(
                    () -> new IllegalArgumentException("unknown target '" + name + "'; known: " + known.names()));
            if (launcher.unavailableReason().isPresent()) {
                skipped.put(name, launcher.unavailableReason().get());
                console.printf("%s: skipped: %s%n", name, launcher.unavailableReason().get());
                continue;
            }
            console.printf("%s: starting%n", name);
            Path targetDir = Files.createDirectories(workDir.resolve(name));
            try (Target target = launcher.start(new TargetContext(targetDir, engine, 3, console, regions))) {
                for (RunResult r : measurement.run(target)) {
                    runs.add(r);
                    console.printf("%s: %s x%d: %,.0f ops/s, p50 %.2f ms, p99 %.2f ms, %d errors%n", name,
                            r.workload(), r.inflight(), r.opsPerSecond(), r.overall().p50Micros() / 1000.0,
                            r.overall().p99Micros() / 1000.0, r.errorCount());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw e;
            } catch (Exception e) {
                skipped.put(name, "failed: " + e.getMessage() + " (logs under " + targetDir + ")");
                console.printf("%s: failed: %s (logs under %s)%n", name, e, targetDir);
                continue;
            }
            WorkDir.keepOnlyLogs(targetDir);
            console.printf("%s: stopped; its logs stay in %s%n", name, targetDir);
        }
        return new Outcome(runs, skipped);
    }
}
