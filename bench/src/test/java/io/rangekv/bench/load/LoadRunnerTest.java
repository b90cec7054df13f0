package io.rangekv.bench.load;

import io.rangekv.bench.report.Environment;
import io.rangekv.bench.report.Report;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runner against an in-memory target: the mix, the in-flight bound, errors by kind, and the report files. */
class LoadRunnerTest {
    @TempDir
    Path dir;
    private final PrintStream quiet = new PrintStream(new ByteArrayOutputStream());

    private static Workload workload(Map<Workload.Op, Double> mix, long operations) {
        return new Workload("t", mix, KeyDistribution.ZIPFIAN, 500, 100, 20, 16, Duration.ZERO,
                Duration.ofSeconds(60), operations);
    }

    @Test
    void theMixIsDrawnInItsProportions() {
        Map<Workload.Op, Double> mix = new EnumMap<>(Workload.Op.class);
        mix.put(Workload.Op.READ, 0.5);
        mix.put(Workload.Op.UPDATE, 0.3);
        mix.put(Workload.Op.SCAN, 0.15);
        mix.put(Workload.Op.INSERT, 0.05);
        OpSource source = new OpSource(workload(mix, 0), new java.util.SplittableRandom(3), new InsertSequence(500));
        Map<Workload.Op, Integer> seen = new EnumMap<>(Workload.Op.class);
        for (int i = 0; i < 100_000; i++) {
            seen.merge(source.nextKind(), 1, Integer::sum);
        }
        mix.forEach((op, share) -> assertEquals(share, seen.get(op) / 100_000.0, 0.01, op.name()));
        assertTrue(!seen.containsKey(Workload.Op.READ_MODIFY_WRITE));
    }

    @Test
    void keepsTheInflightBoundCountsEveryOperationAndReports() throws Exception {
        Map<Workload.Op, Double> mix = Map.of(Workload.Op.READ, 0.4, Workload.Op.UPDATE, 0.3,
                Workload.Op.SCAN, 0.1, Workload.Op.INSERT, 0.1, Workload.Op.READ_MODIFY_WRITE, 0.1);
        Workload w = workload(mix, 5_000);
        try (MemoryTarget target = new MemoryTarget(k -> false); LoadRunner runner = new LoadRunner(quiet,
                Duration.ofSeconds(1))) {
            List<Timeline> timelines = new java.util.ArrayList<>();
            RunResult r = runner.run(target, w, 1, timelines::add);
            assertEquals(5_000, r.operations(), "exactly the operation count");
            assertTrue(target.maxOutstanding.get() <= 16, "never more than 16 in flight: "
                    + target.maxOutstanding.get());
            assertTrue(target.data.size() >= 500 + 400, "loaded 500, then about 500 inserts: " + target.data.size());
            assertEquals(0, r.errorCount());
            assertEquals(5, r.byOp().size(), r.byOp().toString());
            assertTrue(r.overall().p50Micros() > 0 && r.overall().p99Micros() >= r.overall().p50Micros());
            long inTimeline = r.timeline().stream().mapToLong(Timeline.Bucket::ops).sum();
            assertEquals(r.operations(), inTimeline, "every measured operation is in one bucket");
            timelines.get(0).mark("an event");

            Path out = dir.resolve("report");
            String summary = Report.write(out, Environment.detect("test"), List.of(r, r), Map.of("etcd",
                    "etcd is not installed: apt-get install etcd-server"));
            assertTrue(Files.size(out.resolve("results.json")) > 100);
            assertTrue(summary.contains("| memory |") && summary.contains("## Durability")
                    && summary.contains("etcd is not installed"), summary);
            assertTrue(summary.contains("throughput 1.00x"), summary);
            if (!summary.contains("Plots were skipped")) {
                assertTrue(Files.size(out.resolve("throughput.png")) > 1000);
            }
        }
    }

    @Test
    void failuresAreCountedByKindAndTheRunStillEnds() throws Exception {
        Map<Workload.Op, Double> mix = Map.of(Workload.Op.READ, 1.0);
        Workload w = new Workload("t", mix, KeyDistribution.UNIFORM, 10, 10, 1, 4, Duration.ZERO,
                Duration.ofSeconds(60), 2_000);
        java.util.concurrent.atomic.AtomicBoolean measuring = new java.util.concurrent.atomic.AtomicBoolean();
        // Keys ending in 5 fail, but only once measuring starts (loading them must succeed).
        try (MemoryTarget target = new MemoryTarget(k -> k.endsWith("5") && measuring.get());
             LoadRunner runner = new LoadRunner(quiet, Duration.ofSeconds(1))) {
            RunResult r = runner.run(target, w, 1, t -> measuring.set(true));
            assertTrue(r.errors().getOrDefault("IllegalStateException", 0L) > 100, r.errors().toString());
            assertEquals(2_000, r.operations() + r.errorCount(), "successes and failures make the count");
        }
        // A target that fails inserts makes loading fail with a clear message instead of measuring nothing.
        try (MemoryTarget target = new MemoryTarget(k -> k.endsWith("5"));
             LoadRunner runner = new LoadRunner(quiet, Duration.ofSeconds(1))) {
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> runner.run(target, w, 1, t -> { }));
            assertTrue(e.getMessage().contains("loading failed"), e.getMessage());
        }
    }

    @Test
    void readsOnlyChooseRecordsWhoseInsertWasAnswered() throws Exception {
        // Half inserts, half reads of the latest records: the newest keys are the likeliest reads, so any read of an
        // insert still in flight would show as a miss.
        Map<Workload.Op, Double> mix = Map.of(Workload.Op.READ, 0.5, Workload.Op.INSERT, 0.5);
        Workload w = new Workload("t", mix, KeyDistribution.LATEST, 50, 10, 1, 32, Duration.ZERO,
                Duration.ofSeconds(60), 20_000);
        try (MemoryTarget target = new MemoryTarget(k -> false);
             LoadRunner runner = new LoadRunner(quiet, Duration.ofSeconds(1))) {
            RunResult r = runner.run(target, w, 5, t -> { });
            assertEquals(20_000, r.operations());
            assertEquals(0, target.misses.get(), "reads of records not yet written");
            assertTrue(target.data.size() > 50 + 9_000, "about 10,000 inserts: " + target.data.size());
        }
    }

    @Test
    void aTargetMethodThatThrowsFailsOneOperationNotItsSlot() throws Exception {
        Map<Workload.Op, Double> mix = Map.of(Workload.Op.READ, 0.5, Workload.Op.UPDATE, 0.5);
        Workload w = new Workload("t", mix, KeyDistribution.UNIFORM, 100, 10, 1, 4, Duration.ZERO,
                Duration.ofSeconds(60), 3_000);
        try (MemoryTarget target = new MemoryTarget(k -> false) {
            @Override
            public java.util.concurrent.CompletableFuture<java.util.Optional<byte[]>> read(byte[] key) {
                throw new UnsupportedOperationException("a bug in the target");
            }
        }; LoadRunner runner = new LoadRunner(quiet, Duration.ofSeconds(1))) {
            RunResult r = runner.run(target, w, 1, t -> { });
            assertEquals(3_000, r.operations() + r.errorCount(), "every slot kept issuing");
            assertTrue(r.errors().getOrDefault("UnsupportedOperationException", 0L) > 1_000, r.errors().toString());
        }
    }

    @Test
    void aZeroProgressIntervalIsRefused() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new LoadRunner(quiet, Duration.ZERO));
    }
}
