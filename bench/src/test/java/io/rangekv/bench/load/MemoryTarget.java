package io.rangekv.bench.load;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A test target: a sorted map whose futures complete on another thread (like a network client's), counting how many
 * operations are outstanding at once; keys matching {@code failing} fail with {@link IllegalStateException}.
 */
class MemoryTarget implements Target {
    final ConcurrentSkipListMap<String, byte[]> data = new ConcurrentSkipListMap<>();
    final AtomicInteger outstanding = new AtomicInteger();
    final AtomicInteger maxOutstanding = new AtomicInteger();
    /** Reads that found no value: the generator only reads records whose insert was answered, so none. */
    final AtomicInteger misses = new AtomicInteger();
    private final ExecutorService io = Executors.newFixedThreadPool(2);
    private final Predicate<String> failing;

    MemoryTarget(Predicate<String> failing) {
        this.failing = failing;
    }

    private <T> CompletableFuture<T> later(String key, java.util.function.Supplier<T> work) {
        maxOutstanding.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
        return CompletableFuture.supplyAsync(() -> {
            try {
                if (failing.test(key)) {
                    throw new IllegalStateException("failing key " + key);
                }
                return work.get();
            } finally {
                outstanding.decrementAndGet();
            }
        }, io);
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public String durability() {
        return "none (test)";
    }

    @Override
    public CompletableFuture<Optional<byte[]>> read(byte[] key) {
        String k = new String(key);
        return later(k, () -> {
            byte[] v = data.get(k);
            if (v == null) {
                misses.incrementAndGet();
            }
            return Optional.ofNullable(v);
        });
    }

    @Override
    public CompletableFuture<Void> put(byte[] key, byte[] value) {
        String k = new String(key);
        return later(k, () -> {
            data.put(k, value);
            return null;
        });
    }

    @Override
    public CompletableFuture<Integer> scan(byte[] startKey, int limit) {
        String k = new String(startKey);
        return later(k, () -> (int) data.tailMap(k).keySet().stream().limit(limit).count());
    }

    @Override
    public List<Long> serverPids() {
        return List.of();
    }

    @Override
    public void close() {
        io.shutdownNow();
    }
}
