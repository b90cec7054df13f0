package io.rangekv.bench.load;

import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The workload's next operation: its kind drawn from the mix, its key from the distribution over the records that
 * exist now, a fresh value for writes. Inserts take the next record number, so later reads can find them.
 *
 * <p>Thread-safe: draws happen under a lock on one seeded random source, so a run's sequence depends only on the
 * seed and the order in which completions ask.
 */
final class OpSource {
    /** One operation ready to send. */
    record Next(Workload.Op op, Op call) {
        CompletableFuture<?> run(Target target) {
            return call.run(target);
        }
    }

    interface Op {
        CompletableFuture<?> run(Target target);
    }

    private final Workload workload;
    private final SplittableRandom random;
    private final AtomicLong records;
    private final KeyChooser keys;
    private final double[] cumulative;
    private final Workload.Op[] kinds = Workload.Op.values();

    OpSource(Workload workload, SplittableRandom random, AtomicLong records) {
        this.workload = workload;
        this.random = random;
        this.records = records;
        this.keys = KeyChooser.of(workload.distribution(), workload.records());
        this.cumulative = new double[kinds.length];
        double sum = 0;
        for (int i = 0; i < kinds.length; i++) {
            sum += workload.share(kinds[i]);
            cumulative[i] = sum;
        }
    }

    /** The kind of the next operation, by the mix. */
    synchronized Workload.Op nextKind() {
        double u = random.nextDouble();
        for (int i = 0; i < kinds.length; i++) {
            if (u < cumulative[i]) {
                return kinds[i];
            }
        }
        for (int i = kinds.length - 1; i >= 0; i--) {
            if (workload.share(kinds[i]) > 0) {
                return kinds[i];
            }
        }
        throw new IllegalStateException("empty mix");
    }

    synchronized Next next() {
        Workload.Op kind = nextKind();
        long count = Math.max(1, records.get());
        return switch (kind) {
            case READ -> {
                byte[] key = KeySpace.key(keys.next(random, count));
                yield new Next(kind, t -> t.read(key));
            }
            case UPDATE -> {
                byte[] key = KeySpace.key(keys.next(random, count));
                byte[] value = KeySpace.value(random, workload.valueSize());
                yield new Next(kind, t -> t.put(key, value));
            }
            case INSERT -> {
                byte[] key = KeySpace.key(records.getAndIncrement());
                byte[] value = KeySpace.value(random, workload.valueSize());
                yield new Next(kind, t -> t.put(key, value));
            }
            case SCAN -> {
                byte[] key = KeySpace.key(keys.next(random, count));
                int limit = 1 + random.nextInt(workload.scanLength());
                yield new Next(kind, t -> t.scan(key, limit));
            }
            case READ_MODIFY_WRITE -> {
                byte[] key = KeySpace.key(keys.next(random, count));
                byte[] value = KeySpace.value(random, workload.valueSize());
                yield new Next(kind, t -> t.read(key).thenCompose(v -> t.put(key, value)));
            }
        };
    }
}
