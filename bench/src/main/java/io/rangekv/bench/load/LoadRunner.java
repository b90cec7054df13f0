package io.rangekv.bench.load;

import io.rangekv.concurrent.NamedThreadFactory;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drives one {@link Target} through a {@link Workload}: loads {@code records} keys, runs the warm-up unrecorded,
 * then measures for the duration (or the operation count), always keeping exactly {@code inflight} operations
 * outstanding. Each completion issues the next operation on the runner's {@code bench-driver} threads, so no
 * target thread is ever blocked by the generator.
 *
 * <p>Closed loop: a slow answer delays the next request of its slot, so latencies understate what an open-loop
 * client at the same rate would see (coordinated omission); throughput is what the target sustained at this
 * concurrency. Every phase is bounded in time and count; operations still outstanding 30 s after the end count as
 * errors ("timeout-at-end") and the run returns anyway.
 */
public final class LoadRunner implements AutoCloseable {
    private static final Duration GRACE = Duration.ofSeconds(30);
    private static final long MAX_MICROS = TimeUnit.MINUTES.toMicros(10);

    private final ExecutorService driver = Executors.newFixedThreadPool(2, new NamedThreadFactory("bench-driver",
            true));
    private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(
            new NamedThreadFactory("bench-clock", true));
    private final PrintStream progress;
    private final Duration progressEvery;
    /** Set by a scenario that has finished its script: the measured phase ends at the next issue. */
    private volatile boolean stopRequested;

    /** {@code progressEvery}: how often long phases print a line; must be positive. */
    public LoadRunner(PrintStream progress, Duration progressEvery) {
        if (progressEvery.isNegative() || progressEvery.isZero()) {
            throw new IllegalArgumentException("progressEvery must be positive: " + progressEvery);
        }
        this.progress = progress;
        this.progressEvery = progressEvery;
    }

    /**
     * Ends the measured phase now instead of at its duration (a scenario whose script has run to its end); the
     * operations in flight complete and are counted. Thread-safe.
     */
    public void requestStop() {
        stopRequested = true;
    }

    /** Loads, warms up and measures; {@code onTimeline} sees the measured phase's timeline as it starts. */
    public RunResult run(Target target, Workload workload, long seed,
                         java.util.function.Consumer<Timeline> onTimeline) throws InterruptedException {
        load(target, workload, seed);
        return measure(target, workload, seed, onTimeline);
    }

    /**
     * Inserts records 0..records-1 with the workload's concurrency and value size; a failed insert is retried
     * once, then the load fails. Several {@link #measure} phases may follow one load.
     */
    public void load(Target target, Workload workload, long seed) throws InterruptedException {
        load(target, workload, new SplittableRandom(seed));
    }

    /**
     * Warms up, then measures, against records already loaded by {@link #load}; {@code onTimeline} sees the
     * measured phase's timeline as it starts. The operation sequence depends only on the seed.
     */
    public RunResult measure(Target target, Workload workload, long seed,
                             java.util.function.Consumer<Timeline> onTimeline) throws InterruptedException {
        stopRequested = false;
        OpSource ops = new OpSource(workload, new SplittableRandom(seed).split(),
                new InsertSequence(workload.records()));
        drive(target, workload, ops, "warm-up", System.nanoTime() + workload.warmup().toNanos(), Long.MAX_VALUE,
                null);
        printShape(target, workload.name() + " starts");
        long start = System.nanoTime();
        Timeline timeline = new Timeline(start);
        onTimeline.accept(timeline);
        java.util.List<Long> pids = target.serverPids();
        double serverCpu = CpuSampler.processSeconds(pids);
        double benchCpu = CpuSampler.selfSeconds();
        Map<String, Long> retriesBefore = target.retries();
        Measured m = new Measured(timeline);
        java.util.concurrent.ScheduledFuture<?> ticks = clock.scheduleAtFixedRate(
                () -> timeline.tick(System.nanoTime()), 1, 1, TimeUnit.SECONDS);
        long limit = workload.operations() > 0 ? workload.operations() : Long.MAX_VALUE;
        drive(target, workload, ops, "measure", start + workload.duration().toNanos(), limit, m);
        long end = System.nanoTime();
        double seconds = (end - start) / 1e9;
        serverCpu = CpuSampler.processSeconds(pids) - serverCpu;
        benchCpu = CpuSampler.selfSeconds() - benchCpu;
        ticks.cancel(false);
        timeline.tick(end);
        printShape(target, workload.name() + " ended");
        Map<Workload.Op, LatencySummary> byOp = new EnumMap<>(Workload.Op.class);
        m.byOp.forEach((op, h) -> byOp.put(op, LatencySummary.of(h)));
        long total = m.overall.getTotalCount();
        return new RunResult(target.name(), target.durability(), workload.name(), workload.mix(), workload.inflight(),
                seconds, total, total / seconds, LatencySummary.of(m.overall), byOp, new TreeMap<>(m.errors()),
                since(retriesBefore, target.retries()), pids.isEmpty() ? 0 : serverCpu / seconds, benchCpu / seconds, timeline.buckets(),
                timeline.marks());
    }

    private void printShape(Target target, String when) {
        target.shape().ifPresent(shape -> progress.printf("  %s: %s: %s%n", target.name(), when, shape));
    }

    /** The client's retry counters of the measured phase alone (a target's counters run from its start). */
    private static Map<String, Long> since(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> delta = new TreeMap<>();
        after.forEach((kind, n) -> {
            long d = n - before.getOrDefault(kind, 0L);
            if (d != 0) {
                delta.put(kind, d);
            }
        });
        return delta;
    }

    private void load(Target target, Workload workload, SplittableRandom random) throws InterruptedException {
        long begin = System.nanoTime();
        AtomicLong inserted = new AtomicLong();
        AtomicLong next = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicInteger outstanding = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(1);
        Object lock = new Object();
        Runnable[] issue = new Runnable[1];
        issue[0] = () -> {
            long n = next.getAndIncrement();
            if (n >= workload.records()) {
                if (outstanding.decrementAndGet() == 0) {
                    done.countDown();
                }
                return;
            }
            byte[] value;
            synchronized (lock) {
                value = KeySpace.value(random, workload.valueSize());
            }
            OpSource.attempt(() -> target.put(KeySpace.key(n), value))
                    .exceptionallyCompose(e -> OpSource.attempt(() -> target.put(KeySpace.key(n), value)))
                    .whenCompleteAsync((v, e) -> {
                        if (e != null) {
                            failed.incrementAndGet();
                        } else {
                            inserted.incrementAndGet();
                        }
                        issue[0].run();
                    }, driver);
        };
        int slots = (int) Math.min(workload.inflight(), workload.records());
        if (slots == 0) {
            return;
        }
        outstanding.set(slots);
        for (int i = 0; i < slots; i++) {
            driver.execute(issue[0]);
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
        while (!done.await(progressEvery.toMillis(), TimeUnit.MILLISECONDS)) {
            progress.printf("  %s: loading %,d / %,d records (%.0f s)%n", target.name(), inserted.get(),
                    workload.records(), (System.nanoTime() - begin) / 1e9);
            if (System.nanoTime() > deadline || failed.get() > 0) {
                break;
            }
        }
        if (failed.get() > 0 || inserted.get() < workload.records()) {
            throw new IllegalStateException(target.name() + ": loading failed (" + failed.get() + " inserts failed, "
                    + inserted.get() + " of " + workload.records() + " done)");
        }
        progress.printf("  %s: loaded %,d records in %.1f s%n", target.name(), workload.records(),
                (System.nanoTime() - begin) / 1e9);
    }

    /** Keeps {@code inflight} operations outstanding until the deadline or the operation limit. */
    private void drive(Target target, Workload workload, OpSource ops, String phase, long deadline, long limit,
                       Measured measured) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong issued = new AtomicLong();
        AtomicInteger outstanding = new AtomicInteger(workload.inflight());
        CountDownLatch drained = new CountDownLatch(1);
        Runnable[] issue = new Runnable[1];
        issue[0] = () -> {
            if (stop.get() || (measured != null && stopRequested) || System.nanoTime() >= deadline
                    || issued.incrementAndGet() > limit) {
                if (outstanding.decrementAndGet() == 0) {
                    drained.countDown();
                }
                return;
            }
            OpSource.Next op = ops.next();
            long t0 = System.nanoTime();
            op.run(target).whenComplete((v, e) -> {
                // The clock is read where the answer arrives, before the hop to the driver: time spent queued for a
                // driver thread is the generator's, not the target's.
                long micros = (System.nanoTime() - t0) / 1000;
                driver.execute(() -> {
                    if (measured != null) {
                        measured.record(op.op(), micros, e == null ? null : target.errorKind(e));
                    }
                    issue[0].run();
                });
            });
        };
        for (int i = 0; i < workload.inflight(); i++) {
            driver.execute(issue[0]);
        }
        long begin = System.nanoTime();
        long total = Math.max(1, deadline - begin);
        while (!drained.await(progressEvery.toMillis(), TimeUnit.MILLISECONDS)) {
            long now = System.nanoTime();
            if (now > deadline + GRACE.toNanos()) {
                stop.set(true);
                if (measured != null) {
                    measured.errors.merge("timeout-at-end", (long) outstanding.get(), Long::sum);
                }
                progress.printf("  %s: %d operations still outstanding %d s after the end; giving up on them%n",
                        target.name(), outstanding.get(), GRACE.toSeconds());
                return;
            }
            if (measured != null) {
                double secs = (now - begin) / 1e9;
                progress.printf("  %s: %s %.0f/%.0f s, %,.0f ops/s, p99 %,d us so far, %d errors%n", target.name(),
                        phase, secs, total / 1e9, measured.overall.getTotalCount() / secs,
                        measured.overall.getTotalCount() == 0 ? 0 : measured.overall.getValueAtPercentile(99),
                        measured.errors.values().stream().mapToLong(Long::longValue).sum());
            } else {
                progress.printf("  %s: %s %.0f/%.0f s%n", target.name(), phase, (now - begin) / 1e9, total / 1e9);
            }
        }
    }

    /** Latencies and errors of the measured phase; recorded from completion threads. */
    private static final class Measured {
        final Histogram overall = new ConcurrentHistogram(MAX_MICROS, 3);
        final Map<Workload.Op, Histogram> byOp = new ConcurrentHashMap<>();
        final Map<String, Long> errors = new ConcurrentHashMap<>();
        final Timeline timeline;

        Measured(Timeline timeline) {
            this.timeline = timeline;
        }

        void record(Workload.Op op, long micros, String errorKind) {
            if (errorKind != null) {
                errors.merge(errorKind, 1L, Long::sum);
                timeline.recordError();
                return;
            }
            long v = Math.max(1, Math.min(micros, MAX_MICROS));
            overall.recordValue(v);
            byOp.computeIfAbsent(op, o -> new ConcurrentHistogram(MAX_MICROS, 3)).recordValue(v);
            timeline.record(v);
        }

        Map<String, Long> errors() {
            return errors;
        }
    }

    @Override
    public void close() {
        driver.shutdownNow();
        clock.shutdownNow();
    }
}
