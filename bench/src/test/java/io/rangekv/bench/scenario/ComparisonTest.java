package io.rangekv.bench.scenario;

import io.rangekv.bench.load.KeyDistribution;
import io.rangekv.bench.load.LoadRunner;
import io.rangekv.bench.load.RunResult;
import io.rangekv.bench.load.Target;
import io.rangekv.bench.load.Workload;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The comparison's phases against an in-memory target: one load, then write, read and single-client puts. */
class ComparisonTest {
    private final PrintStream quiet = new PrintStream(new ByteArrayOutputStream());

    private static Workload workload(Map<Workload.Op, Double> mix, long records) {
        return new Workload("file", mix, KeyDistribution.UNIFORM, records, 10, 1, 8, Duration.ZERO,
                Duration.ofSeconds(60), 500);
    }

    /** Answers at once and counts puts; records the most operations ever outstanding. */
    private static final class CountingTarget implements Target {
        final Map<String, byte[]> data = new ConcurrentHashMap<>();
        final AtomicInteger puts = new AtomicInteger();
        final AtomicInteger reads = new AtomicInteger();

        @Override
        public String name() {
            return "counting";
        }

        @Override
        public String durability() {
            return "none (test)";
        }

        @Override
        public CompletableFuture<Optional<byte[]>> read(byte[] key) {
            reads.incrementAndGet();
            return CompletableFuture.completedFuture(Optional.ofNullable(data.get(new String(key))));
        }

        @Override
        public CompletableFuture<Void> put(byte[] key, byte[] value) {
            puts.incrementAndGet();
            data.put(new String(key), value);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Integer> scan(byte[] startKey, int limit) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("no scans here"));
        }

        @Override
        public List<Long> serverPids() {
            return List.of();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void loadsOnceThenMeasuresWriteReadAndSingleClientPuts() throws Exception {
        Comparison comparison = new Comparison(workload(Map.of(Workload.Op.UPDATE, 1.0), 200),
                workload(Map.of(Workload.Op.READ, 1.0), 200));
        CountingTarget target = new CountingTarget();
        List<RunResult> runs;
        try (LoadRunner runner = new LoadRunner(quiet, Duration.ofSeconds(1))) {
            runs = comparison.measure(runner, target, 7);
        }
        assertEquals(List.of("write", "read", "put-single"), runs.stream().map(RunResult::workload).toList());
        assertEquals(List.of(8, 8, 1), runs.stream().map(RunResult::inflight).toList());
        assertTrue(runs.get(0).writeOnly() && runs.get(1).readOnly() && runs.get(2).writeOnly());
        runs.forEach(r -> assertEquals(500, r.operations(), r.workload() + " measured its operation count"));
        assertEquals(200 + 500 + 500, target.puts.get(), "one load of 200 records, then two write phases");
        assertEquals(500, target.reads.get(), "the read phase only");
        assertEquals(200, target.data.size(), "updates overwrite loaded records, they add none");
    }

    @Test
    void phasesThatWouldNeedDifferentLoadsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Comparison(
                workload(Map.of(Workload.Op.UPDATE, 1.0), 200), workload(Map.of(Workload.Op.READ, 1.0), 300)));
    }
}
