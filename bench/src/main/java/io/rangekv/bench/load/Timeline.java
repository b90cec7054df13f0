package io.rangekv.bench.load;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Throughput, errors and p99 per one-second bucket of the measured phase, plus labelled events ("store 4 added")
 * for scenarios that change the cluster under load. {@link #record} is called from completion threads;
 * {@link #tick} once a second by the runner's clock thread, which closes a bucket.
 *
 * <p>Thread-safe.
 */
public final class Timeline {
    /** One second of the run: seconds since the measured phase started. */
    public record Bucket(double second, long ops, long errors, long p99Micros) {
    }

    /** An event marked during the run, at seconds since the measured phase started. */
    public record Mark(double second, String label) {
    }

    private final Recorder interval = new Recorder(3);
    private final AtomicLong errors = new AtomicLong();
    private final List<Bucket> buckets = new ArrayList<>();
    private final List<Mark> marks = new ArrayList<>();
    private final long startNanos;
    private Histogram recycled;

    public Timeline(long startNanos) {
        this.startNanos = startNanos;
    }

    void record(long micros) {
        interval.recordValue(Math.max(1, micros));
    }

    void recordError() {
        errors.incrementAndGet();
    }

    /** Closes the bucket ending now. */
    synchronized void tick(long nowNanos) {
        recycled = interval.getIntervalHistogram(recycled);
        buckets.add(new Bucket(seconds(nowNanos), recycled.getTotalCount(), errors.getAndSet(0),
                recycled.getTotalCount() == 0 ? 0 : recycled.getValueAtPercentile(99)));
    }

    /** Marks an event now (a store added, a region split): the report draws it on the throughput plot. */
    public synchronized void mark(String label) {
        marks.add(new Mark(seconds(System.nanoTime()), label));
    }

    private double seconds(long nanos) {
        return Math.round((nanos - startNanos) / 1e6) / 1e3;
    }

    public synchronized List<Bucket> buckets() {
        return List.copyOf(buckets);
    }

    public synchronized List<Mark> marks() {
        return List.copyOf(marks);
    }
}
