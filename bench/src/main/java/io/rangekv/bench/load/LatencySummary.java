package io.rangekv.bench.load;

import org.HdrHistogram.Histogram;

/** Percentiles of one histogram of latencies in microseconds (closed loop: see {@link LoadRunner}). */
public record LatencySummary(long count, double meanMicros, long p50Micros, long p99Micros, long p999Micros,
                             long maxMicros) {
    public static LatencySummary of(Histogram h) {
        if (h.getTotalCount() == 0) {
            return new LatencySummary(0, 0, 0, 0, 0, 0);
        }
        return new LatencySummary(h.getTotalCount(), h.getMean(), h.getValueAtPercentile(50),
                h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue());
    }
}
