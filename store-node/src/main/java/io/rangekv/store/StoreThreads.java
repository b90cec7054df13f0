package io.rangekv.store;

import io.rangekv.concurrent.NamedThreadFactory;
import io.rangekv.error.RetryableException;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Every thread pool a store node owns, created in one place with names, bounded queues and sizes from config.
 *
 * <ul>
 *   <li>{@code store-kv-*}: request checks, proposals, read-index continuations and engine reads; never parks on a
 *       future. A full queue rejects with ServerBusy rather than queueing without bound.</li>
 *   <li>{@code store-snapshot-*}: writing RaftSnapshot files; bounded work, may block on disk.</li>
 *   <li>{@code store-admin}: starting and stopping region groups (the library's init blocks briefly).</li>
 * </ul>
 * The Raft library and Netty own their own threads ({@code store-io-*} for the KV port).
 */
public final class StoreThreads implements AutoCloseable {
    /** Pool sizes and queue bound. */
    public record ThreadConfig(int kvThreads, int kvQueue, int snapshotThreads, int ioThreads) {
        public static final ThreadConfig DEFAULTS = new ThreadConfig(4, 10_000, 1, 2);

        public ThreadConfig {
            if (kvThreads < 1 || kvQueue < 1 || snapshotThreads < 1 || ioThreads < 1) {
                throw new IllegalArgumentException("thread pool sizes must be positive: " + this);
            }
        }

        public static ThreadConfig from(io.rangekv.config.Settings s) {
            return new ThreadConfig(
                    s.getInt("threads.kv", DEFAULTS.kvThreads),
                    s.getInt("threads.kv-queue", DEFAULTS.kvQueue),
                    s.getInt("threads.snapshot", DEFAULTS.snapshotThreads),
                    s.getInt("threads.io", DEFAULTS.ioThreads));
        }
    }

    private final ThreadPoolExecutor kv;
    private final ThreadPoolExecutor snapshot;
    private final ThreadPoolExecutor admin;

    public StoreThreads(ThreadConfig config) {
        kv = new ThreadPoolExecutor(config.kvThreads(), config.kvThreads(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(config.kvQueue()), new NamedThreadFactory("store-kv", true),
                (task, pool) -> {
                    throw RetryableException.serverBusy(Duration.ofMillis(20), "store request queue is full");
                });
        snapshot = new ThreadPoolExecutor(config.snapshotThreads(), config.snapshotThreads(), 0,
                TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), new NamedThreadFactory("store-snapshot", true));
        admin = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                new NamedThreadFactory("store-admin", true));
    }

    public ExecutorService kv() {
        return kv;
    }

    public ExecutorService snapshot() {
        return snapshot;
    }

    public ExecutorService admin() {
        return admin;
    }

    @Override
    public void close() {
        for (ExecutorService pool : new ExecutorService[] {kv, snapshot, admin}) {
            pool.shutdown();
        }
        try {
            for (ExecutorService pool : new ExecutorService[] {kv, snapshot, admin}) {
                if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
                    pool.shutdownNow();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RejectedExecutionException ignored) {
            // Nothing left to run.
        }
    }
}
