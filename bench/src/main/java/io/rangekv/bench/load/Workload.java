package io.rangekv.bench.load;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * One YCSB-style workload, immutable and validated once: the operation mix, how keys are chosen, how many records
 * are loaded first, value size, requests in flight, and how long (or how many operations) to measure after a
 * warm-up. Read from a file by {@link WorkloadFile}; command-line options override single fields.
 *
 * @param name          the workload's name in reports ("a" for the bundled workload A)
 * @param mix           the share of each operation, summing to 1
 * @param distribution  how the key of a read, update, scan or read-modify-write is chosen
 * @param records       keys loaded before the run (inserts add more)
 * @param valueSize     bytes per value
 * @param scanLength    the most keys one scan asks for (each scan asks for 1..scanLength, uniformly)
 * @param inflight      requests kept outstanding at every moment
 * @param warmup        run before measuring, not recorded (client JIT, caches, leaders settling)
 * @param duration      measured time; the run stops at whichever of duration and operations comes first
 * @param operations    measured operations (0: no limit)
 */
public record Workload(String name, Map<Op, Double> mix, KeyDistribution distribution, long records, int valueSize,
                       int scanLength, int inflight, Duration warmup, Duration duration, long operations) {

    /** The operations of YCSB's core workloads. */
    public enum Op { READ, UPDATE, INSERT, SCAN, READ_MODIFY_WRITE }

    public Workload {
        mix = Map.copyOf(new EnumMap<>(mix));
        double sum = mix.values().stream().mapToDouble(Double::doubleValue).sum();
        if (mix.values().stream().anyMatch(p -> p < 0) || Math.abs(sum - 1.0) > 1e-6) {
            throw new IllegalArgumentException("workload " + name + ": proportions must be >= 0 and sum to 1, not "
                    + sum + " " + mix);
        }
        require(records >= 1, "record-count must be at least 1: " + records);
        require(valueSize >= 1 && valueSize <= 1 << 20, "value-size must be 1..1048576 bytes: " + valueSize);
        require(scanLength >= 1 && scanLength <= 10_000, "scan-length must be 1..10000: " + scanLength);
        require(inflight >= 1 && inflight <= 4096, "inflight must be 1..4096: " + inflight);
        require(!warmup.isNegative(), "warmup must not be negative: " + warmup);
        require(duration.compareTo(Duration.ofMillis(100)) >= 0, "duration must be at least 100ms: " + duration);
        require(operations >= 0, "operation-count must be >= 0: " + operations);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public double share(Op op) {
        return mix.getOrDefault(op, 0.0);
    }

    public Workload withName(String newName) {
        return new Workload(newName, mix, distribution, records, valueSize, scanLength, inflight, warmup, duration,
                operations);
    }

    public Workload withDuration(Duration d) {
        return new Workload(name, mix, distribution, records, valueSize, scanLength, inflight, warmup, d, operations);
    }

    public Workload withWarmup(Duration w) {
        return new Workload(name, mix, distribution, records, valueSize, scanLength, inflight, w, duration, operations);
    }

    public Workload withInflight(int n) {
        return new Workload(name, mix, distribution, records, valueSize, scanLength, n, warmup, duration, operations);
    }

    public Workload withRecords(long n) {
        return new Workload(name, mix, distribution, n, valueSize, scanLength, inflight, warmup, duration, operations);
    }

    public Workload withValueSize(int bytes) {
        return new Workload(name, mix, distribution, records, bytes, scanLength, inflight, warmup, duration,
                operations);
    }

    public Workload withOperations(long n) {
        return new Workload(name, mix, distribution, records, valueSize, scanLength, inflight, warmup, duration, n);
    }
}
