package io.rangekv.systest.cluster;

import io.rangekv.client.KvClient;
import io.rangekv.meta.Key;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Client load for scheduling scenarios: {@code threads} writers put distinct keys until stopped (bounded by a key
 * budget), remembering which writes were acknowledged; {@link #verify} reads every one back.
 */
final class Writers implements AutoCloseable {
    private final KvClient kv;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
    private final AtomicLong failures = new AtomicLong();
    private final ExecutorService pool;
    private final List<Future<?>> tasks = new ArrayList<>();

    Writers(KvClient kv, int threads, int maxKeys) {
        this.kv = kv;
        this.pool = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            int offset = t;
            tasks.add(pool.submit(() -> {
                for (int i = offset; running.get() && i < maxKeys; i += threads) {
                    try {
                        kv.put(key(i), value(i));
                        acknowledged.add(i);
                    } catch (RuntimeException e) {
                        failures.incrementAndGet(); // the caller saw it: counted, and the key is not checked
                    }
                }
            }));
        }
    }

    static Key key(int i) {
        return Key.of(String.format("w%06d", i));
    }

    static byte[] value(int i) {
        return ("value-" + i).getBytes(StandardCharsets.UTF_8);
    }

    int acknowledged() {
        return acknowledged.size();
    }

    long failures() {
        return failures.get();
    }

    /** Stops the writers and reads back every acknowledged write. */
    int stopAndVerify() throws Exception {
        close();
        List<String> missing = new ArrayList<>();
        for (int i : new java.util.TreeSet<>(acknowledged)) {
            java.util.Optional<byte[]> v = kv.get(key(i));
            if (v.isEmpty()) {
                missing.add(key(i).toString());
            } else {
                assertArrayEquals(value(i), v.get(), "acknowledged " + key(i));
            }
        }
        if (!missing.isEmpty()) {
            throw new AssertionError(missing.size() + " acknowledged writes are missing: " + missing);
        }
        return acknowledged.size();
    }

    /** Waits until the writers have used up their key budget; returns the acknowledged count. */
    int awaitDone(java.time.Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        for (Future<?> f : tasks) {
            f.get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        return acknowledged.size();
    }

    @Override
    public void close() throws Exception {
        running.set(false);
        for (Future<?> f : tasks) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
    }
}
