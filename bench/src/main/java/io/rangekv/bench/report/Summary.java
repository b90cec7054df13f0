package io.rangekv.bench.report;

import io.rangekv.bench.load.LatencySummary;
import io.rangekv.bench.load.RunResult;

import java.util.List;
import java.util.Map;

/**
 * The Markdown summary of one invocation: environment, one table row per target, latencies per operation, errors
 * and retries, each target's durability, and the first target's ratios to every other one with the {@link Goals}
 * that apply to the workload, met or missed, stated plainly.
 */
final class Summary {
    private Summary() {
    }

    static String markdown(Environment env, List<RunResult> runs, Map<String, String> skipped, String plots) {
        String workload = runs.isEmpty() ? "?" : runs.get(0).workload();
        StringBuilder md = new StringBuilder(header(env, "workload " + workload));
        md.append("| target | ops/s | p50 ms | p99 ms | p99.9 ms | max ms | errors | server cores | bench cores |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (RunResult r : runs) {
            LatencySummary o = r.overall();
            md.append(String.format("| %s | %,.0f | %.2f | %.2f | %.2f | %.1f | %d | %.2f | %.2f |%n", r.target(),
                    r.opsPerSecond(), ms(o.p50Micros()), ms(o.p99Micros()), ms(o.p999Micros()), ms(o.maxMicros()),
                    r.errorCount(), r.serverCores(), r.benchCores()));
        }
        md.append("\n## Latency by operation\n\n| target | operation | count | mean ms | p50 | p99 | p99.9 | max |\n"
                + "|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (RunResult r : runs) {
            r.byOp().forEach((op, s) -> md.append(String.format("| %s | %s | %,d | %.2f | %.2f | %.2f | %.2f | "
                            + "%.1f |%n", r.target(), op.name().toLowerCase(), s.count(), s.meanMicros() / 1000.0,
                    ms(s.p50Micros()), ms(s.p99Micros()), ms(s.p999Micros()), ms(s.maxMicros()))));
        }
        md.append("\n## Errors and retries\n\n");
        for (RunResult r : runs) {
            md.append("- ").append(r.target()).append(": errors ").append(r.errors().isEmpty() ? "none"
                    : r.errors()).append("; retried by the client ").append(r.retries().isEmpty() ? "none"
                    : r.retries()).append('\n');
        }
        md.append(events(runs));
        md.append("\n## Durability\n\n");
        runs.forEach(r -> md.append("- ").append(r.target()).append(": ").append(r.durability()).append('\n'));
        skipped.forEach((t, why) -> md.append("- ").append(t).append(": not run: ").append(why).append('\n'));
        md.append("\n## Ratios and targets\n\n");
        md.append(ratios(runs));
        md.append("\n## Plots\n\n").append(plots);
        return md.toString();
    }

    /** The title line and where the run happened: machine, JVM, command, and how to read the latencies. */
    static String header(Environment env, String what) {
        return "# Benchmark: " + what + " (" + env.date() + ", commit " + env.commit() + ")\n\n"
                + "- Machine: " + env.cores() + " cores (" + env.cpu() + "), " + env.memoryMb() + " MB; " + env.jvm()
                + "\n- Command: `" + env.command() + "`\n"
                + "- Client and servers share this machine; closed loop (latencies understate an open-loop "
                + "client's at the same rate).\n\n";
    }

    /** The events a scenario marked (stores added, killed, splits) and when each settled; empty without any. */
    static String events(List<RunResult> runs) {
        StringBuilder md = new StringBuilder();
        for (RunResult r : runs) {
            if (r.marks().isEmpty()) {
                continue;
            }
            md.append("\n## Events (").append(r.target()).append(")\n\n| second | event |\n|---:|---|\n");
            r.marks().forEach(m -> md.append(String.format("| %.1f | %s |%n", m.second(), m.label())));
        }
        return md.toString();
    }

    static String ratios(List<RunResult> runs) {
        if (runs.size() < 2) {
            return "Only one target ran: no ratios.\n";
        }
        RunResult first = runs.get(0);
        StringBuilder md = new StringBuilder();
        for (RunResult peer : runs.subList(1, runs.size())) {
            double tput = first.opsPerSecond() / Math.max(1e-9, peer.opsPerSecond());
            md.append(String.format("- %s / %s: throughput %.2fx, p50 %.2fx, p99 %.2fx (lower is better for "
                    + "latency)%n", first.target(), peer.target(), tput,
                    ratio(first.overall().p50Micros(), peer.overall().p50Micros()),
                    ratio(first.overall().p99Micros(), peer.overall().p99Micros())));
            List<Goals.Verdict> verdicts = Goals.judge(first, peer);
            verdicts.forEach(v -> md.append("  - ").append(v.line()).append('\n'));
            if (verdicts.isEmpty() && peer.target().startsWith("etcd")) {
                md.append("  - the goals against etcd are defined on write-only and read-only runs at 64 in flight "
                        + "and on a single client's puts: `./rangekv bench --scenario compare`\n");
            }
        }
        return md.toString();
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0 : (double) a / b;
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }
}
