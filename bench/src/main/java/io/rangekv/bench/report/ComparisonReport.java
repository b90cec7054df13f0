package io.rangekv.bench.report;

import io.rangekv.bench.load.LatencySummary;
import io.rangekv.bench.load.RunResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report of a comparison ({@code --scenario compare}): one ordinary {@link Report} per phase in a directory of
 * its own (tables, plots, JSON), and on top a {@code summary.md} with every goal of {@link Goals} that the phases
 * judge, met or missed and by how much, and one line per target and phase.
 */
public final class ComparisonReport {
    private ComparisonReport() {
    }

    /**
     * Writes the phase reports and the summary; returns the summary's text.
     *
     * @param byPhase every phase's runs (the first target's first: it is the baseline), in phase order
     */
    public static String write(Path dir, Environment env, Map<String, List<RunResult>> byPhase,
                               Map<String, String> skipped) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, List<RunResult>> phase : byPhase.entrySet()) {
            if (!phase.getValue().isEmpty()) {
                Report.write(dir.resolve(phase.getKey()), env, phase.getValue(), skipped);
            }
        }
        String summary = markdown(env, byPhase, skipped);
        Files.writeString(dir.resolve("summary.md"), summary);
        return summary;
    }

    static String markdown(Environment env, Map<String, List<RunResult>> byPhase, Map<String, String> skipped) {
        StringBuilder md = new StringBuilder(Summary.header(env, "comparison with the peers"));
        md.append("## Goals\n\n| goal | phase | ours | peer's | verdict |\n|---|---|---:|---:|---|\n");
        int judged = 0;
        for (Map.Entry<String, List<RunResult>> phase : byPhase.entrySet()) {
            List<RunResult> runs = phase.getValue();
            for (RunResult peer : runs.isEmpty() ? List.<RunResult>of() : runs.subList(1, runs.size())) {
                for (Goals.Verdict v : Goals.judge(runs.get(0), peer)) {
                    md.append(String.format("| %s | [%s](%s/summary.md) | %s %s | %s %s | **%s** (%.2f of the "
                                    + "goal) |%n", v.goal(), phase.getKey(), phase.getKey(),
                            Goals.Verdict.figure(v.ours()), v.metric(), Goals.Verdict.figure(v.peers()), v.metric(),
                            v.met() ? "met" : "MISSED", v.progress()));
                    judged++;
                }
            }
        }
        if (judged == 0) {
            md.append("| (no peer ran: nothing to judge) | | | | |\n");
        }
        md.append("\n## Phases\n\n| phase | target | in flight | ops/s | p50 ms | p99 ms | p99.9 ms | max ms | errors "
                + "| server cores | bench cores |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        Map<String, String> durability = new LinkedHashMap<>();
        byPhase.forEach((name, runs) -> runs.forEach(r -> {
            LatencySummary o = r.overall();
            md.append(String.format("| %s | %s | %d | %,.0f | %.2f | %.2f | %.2f | %.1f | %d | %.2f | %.2f |%n", name,
                    r.target(), r.inflight(), r.opsPerSecond(), o.p50Micros() / 1000.0, o.p99Micros() / 1000.0,
                    o.p999Micros() / 1000.0, o.maxMicros() / 1000.0, r.errorCount(), r.serverCores(),
                    r.benchCores()));
            durability.putIfAbsent(r.target(), r.durability());
        }));
        md.append("\nEach phase's directory has its full report: latency by operation, errors and the client's "
                + "retries, plots of throughput and p99 over time.\n\n## Durability\n\n");
        durability.forEach((t, d) -> md.append("- ").append(t).append(": ").append(d).append('\n'));
        skipped.forEach((t, why) -> md.append("- ").append(t).append(": not run: ").append(why).append('\n'));
        return md.toString();
    }
}
