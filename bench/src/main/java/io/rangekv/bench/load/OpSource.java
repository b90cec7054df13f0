package io.rangekv.bench.load;

import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * The workload's next operation: its kind drawn from the mix, its key from the distribution over the records that
 * acknowledged now ({@link InsertSequence}), a fresh value for writes. Inserts take the next record number and
 * report their answer, so later reads find them.
 *
 * <p>Thread-safe: draws happen under a lock on one seeded random source, so a run's sequence depends only on the
 * seed and the order in which completions ask.
 */
final class OpSource {
    /** One operation ready to send. */
    record Next(Workload.Op op, Op call) {
        /** Never throws: a target method that throws (or returns null) gives a failed future instead. */
        CompletableFuture<?> run(Target target) {
            return attempt(() -> call.run(target));
        }
    }

    /**
     * Calls a target method so that a bug in it fails one operation rather than the generator's slot: an exception
     * thrown instead of returned would otherwise never complete, and the slot would stop issuing.
     */
    static <T> CompletableFuture<T> attempt(java.util.function.Supplier<CompletableFuture<T>> call) {
        try {
            CompletableFuture<T> f = call.get();
            return f != null ? f : CompletableFuture.failedFuture(new NullPointerException("target returned null"));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    interface Op {
        CompletableFuture<?> run(Target target);
    }

    private final Workload workload;
    private final SplittableRandom random;
    private final InsertSequence inserts;
    private final KeyChooser keys;
    private final double[] cumulative;
    private final Workload.Op[] kinds = Workload.Op.values();

    OpSource(Workload workload, SplittableRandom random, InsertSequence inserts) {
        this.workload = workload;
        this.random = random;
        this.inserts = inserts;
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
        long count = Math.max(1, inserts.acknowledged());
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
                long record = inserts.issue();
                byte[] key = KeySpace.key(record);
                byte[] value = KeySpace.value(random, workload.valueSize());
                yield new Next(kind, t -> attempt(() -> t.put(key, value)).whenComplete((v, e) -> inserts.answered(record)));
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
