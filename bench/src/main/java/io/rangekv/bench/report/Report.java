package io.rangekv.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.rangekv.bench.load.RunResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes one invocation's results into a directory: {@code results.json} (everything), {@code summary.md} (the
 * tables, ratios and the targets in plain words) and PNG plots. Plots need a font; where rendering fails
 * the summary says so and the rest is still written.
 */
public final class Report {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Report() {
    }

    /** Writes the report; returns the summary's text. */
    public static String write(Path dir, Environment env, List<RunResult> runs, Map<String, String> skipped)
            throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("environment", env);
        all.put("runs", runs);
        all.put("skipped_targets", skipped);
        JSON.writeValue(dir.resolve("results.json").toFile(), all);
        String plots = plots(dir, runs);
        String summary = Summary.markdown(env, runs, skipped, plots);
        Files.writeString(dir.resolve("summary.md"), summary);
        return summary;
    }

    private static String plots(Path dir, List<RunResult> runs) {
        System.setProperty("java.awt.headless", "true");
        try {
            Plots.throughput(runs, dir.resolve("throughput.png"));
            Plots.p99(runs, dir.resolve("p99.png"));
            Plots.percentiles(runs, dir.resolve("latency-percentiles.png"));
            return "![throughput](throughput.png)\n\n![p99 over time](p99.png)\n\n"
                    + "![latency percentiles](latency-percentiles.png)\n";
        } catch (IOException | RuntimeException | Error e) {
            return "Plots were skipped: rendering failed (" + e + "); install fonts (fonts-dejavu-core) for them.\n";
        }
    }
}
