package io.rangekv.systest.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./rangekv chaos --runs N --duration D [--seed S] [--short] [--out DIR]}: the long schedule, N runs of a
 * fault phase of D each (three PD members, five stores; {@code --short}: the CI shape), seeds S, S+1, ...; prints
 * each run's report and a summary, exits 1 if any run failed ({@code --strict}: liveness findings fail a run too).
 */
public final class ChaosMain {
    private ChaosMain() {
    }

    public static void main(String[] args) throws Exception {
        int runs = 1;
        Duration duration = Duration.ofMinutes(2);
        long seed = System.currentTimeMillis() % 1_000_000;
        boolean shortShape = false;
        boolean strict = false;
        Path out = Path.of("system-tests", "target", "chaos").toAbsolutePath();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--duration" -> duration = parseDuration(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--short" -> shortShape = true;
                case "--strict" -> strict = true;
                case "--out" -> out = Path.of(args[++i]).toAbsolutePath();
                default -> {
                    System.err.println("usage: ./rangekv chaos --runs N --duration D (e.g. 2m, 90s) [--seed S] "
                            + "[--short] [--strict] [--out DIR]");
                    System.exit(2);
                }
            }
        }
        java.util.Optional<String> unusable = ChaosNetwork.unusableBecause();
        if (unusable.isPresent()) {
            System.err.println("chaos: cannot run: " + unusable.get());
            System.exit(2);
        }
        System.out.printf("chaos: %d run(s) of %d s, seeds %d..%d, %s shape, out %s%n", runs, duration.toSeconds(),
                seed, seed + runs - 1, shortShape ? "short (1 PD, 4 stores)" : "long (3 PD, 5 stores)", out);
        List<ChaosRun.Report> reports = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long s = seed + i;
            ChaosSettings settings = shortShape
                    ? new ChaosSettings(s, duration, 1, 4, 48, "rocksdb", true, out, strict)
                    : ChaosSettings.longRun(s, duration, out, strict);
            try {
                ChaosRun.Report r = new ChaosRun(settings, i).execute();
                reports.add(r);
                if (!r.passed()) {
                    failures.add("seed " + s + ": " + r.dir() + " " + r.violations() + " " + r.problems());
                }
            } catch (Exception | AssertionError e) {
                failures.add("seed " + s + ": the run itself failed: " + e);
            }
        }
        long ops = reports.stream().mapToLong(ChaosRun.Report::operations).sum();
        Map<FaultKind, Long> faults = new EnumMap<>(FaultKind.class);
        Map<Observer.ChangeKind, Long> changes = new EnumMap<>(Observer.ChangeKind.class);
        Map<Observer.ChangeKind, Long> during = new EnumMap<>(Observer.ChangeKind.class);
        long violations = 0;
        for (ChaosRun.Report r : reports) {
            r.faults().forEach((k, v) -> faults.merge(k, v, Long::sum));
            r.changes().forEach((k, v) -> changes.merge(k, v, Long::sum));
            r.changesDuringFaults().forEach((k, v) -> during.merge(k, v, Long::sum));
            violations += r.violations().size();
        }
        long passed = reports.stream().filter(ChaosRun.Report::passed).count();
        System.out.printf("%nchaos summary: %d runs, %d passed; %d operations; faults %s; range changes %s, while "
                + "a fault was active %s; %d violations%n", runs, passed, ops, faults, changes, during, violations);
        failures.forEach(f -> System.out.println("  FAILED " + f));
        reports.forEach(r -> r.findings().forEach(f -> System.out.println("  FINDING (seed " + r.seed() + ", kept in "
                + r.dir() + "): " + f)));
        System.exit(failures.isEmpty() ? 0 : 1);
    }

    static Duration parseDuration(String s) {
        if (s.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
        }
        if (s.endsWith("s")) {
            return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)));
        }
        return Duration.ofSeconds(Long.parseLong(s));
    }
}
