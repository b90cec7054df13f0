package io.rangekv.bench.report;

import io.rangekv.bench.load.RunResult;
import io.rangekv.bench.load.Timeline;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * PNG plots of a report with JFreeChart, rendered headless: throughput over time (one line per target, events as
 * vertical markers), p99 over time, and latency percentiles per target.
 */
final class Plots {
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 500;

    private Plots() {
    }

    static void throughput(List<RunResult> runs, Path file) throws IOException {
        timeline(runs, file, "Throughput over time", "operations / s",
                (b, previous) -> b.ops() / Math.max(1e-3, b.second() - previous));
    }

    static void p99(List<RunResult> runs, Path file) throws IOException {
        timeline(runs, file, "p99 latency over time (1 s buckets)", "ms", (b, previous) -> b.p99Micros() / 1000.0);
    }

    /** One line per target over its per-second buckets; {@code value} sees a bucket and the previous one's end. */
    private static void timeline(List<RunResult> runs, Path file, String title, String unit,
                                 java.util.function.ToDoubleBiFunction<Timeline.Bucket, Double> value)
            throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (RunResult r : runs) {
            XYSeries s = new XYSeries(r.target());
            double previous = 0;
            for (Timeline.Bucket b : r.timeline()) {
                s.add(b.second(), value.applyAsDouble(b, previous));
                previous = b.second();
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, "seconds", unit, data);
        mark(chart, runs);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    }

    static void percentiles(List<RunResult> runs, Path file) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (RunResult r : runs) {
            data.addValue(r.overall().p50Micros() / 1000.0, r.target(), "p50");
            data.addValue(r.overall().p99Micros() / 1000.0, r.target(), "p99");
            data.addValue(r.overall().p999Micros() / 1000.0, r.target(), "p99.9");
            data.addValue(r.overall().maxMicros() / 1000.0, r.target(), "max");
        }
        JFreeChart chart = ChartFactory.createBarChart("Latency percentiles (all operations)", "percentile", "ms",
                data);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    }

    private static void mark(JFreeChart chart, List<RunResult> runs) {
        XYPlot plot = chart.getXYPlot();
        for (RunResult r : runs) {
            for (Timeline.Mark m : r.marks()) {
                ValueMarker marker = new ValueMarker(m.second());
                marker.setLabel(m.label());
                marker.setPaint(java.awt.Color.DARK_GRAY);
                marker.setLabelAnchor(org.jfree.chart.ui.RectangleAnchor.TOP_LEFT);
                marker.setLabelTextAnchor(org.jfree.chart.ui.TextAnchor.TOP_RIGHT);
                plot.addDomainMarker(marker);
            }
        }
    }
}
