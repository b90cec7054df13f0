package io.rangekv.client.route;

import com.github.benmanes.caffeine.cache.Ticker;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Ticker} whose read is one volatile load: it returns what its source read at the last refresh, and a task
 * on an existing scheduled executor refreshes it every period.
 *
 * <p>Why: {@link RouteCache} checks an entry's age on every lookup that finds a range, against a TTL of minutes,
 * while {@code System.nanoTime()} costs ~25 ns a call on our VMs, a sixth of a lookup at 100k regions
 * (bench/results/2026-12-03-route-cache.md). The price: the time read lags the source by up to one period, plus
 * however late the executor runs the refresh, so an entry is seen expired up to that much late, never early. Writes
 * are stamped with the same lagging time, so ages measured through one ticker stay consistent. After {@link #close()}
 * (or once the executor stops) the time stands still: nothing expires any more.
 *
 * <p>It does not start a thread of its own: {@code KvClient} refreshes it on {@code kvclient-timer}, whose other
 * tasks (deadlines, backoff) are short, so one refresh is not held up for long.
 *
 * <p><b>Concurrency</b>: thread-safe. One writer at a time (the refresh task, serialized by the executor's
 * fixed-rate scheduling; tests call {@link #refresh()} from one thread), any number of readers.
 */
public final class CoarseTicker implements Ticker, AutoCloseable {
    /** The refresh period {@code KvClient} uses for its route cache: far below any sensible route TTL. */
    public static final Duration CLIENT_PERIOD = Duration.ofMillis(10);

    private final Ticker source;
    private volatile long now;
    private volatile ScheduledFuture<?> refresher;

    CoarseTicker(Ticker source) {
        this.source = source;
        this.now = source.read();
    }

    /**
     * A ticker that {@code executor} refreshes from {@code source} every {@code period} until {@link #close()}.
     *
     * @throws java.util.concurrent.RejectedExecutionException if the executor is shut down
     */
    public static CoarseTicker refreshedBy(ScheduledExecutorService executor, Duration period, Ticker source) {
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("refresh period must be positive: " + period);
        }
        CoarseTicker ticker = new CoarseTicker(source);
        long nanos = period.toNanos();
        ticker.refresher = executor.scheduleAtFixedRate(ticker::refresh, nanos, nanos, TimeUnit.NANOSECONDS);
        return ticker;
    }

    /** The source's time at the last refresh. */
    @Override
    public long read() {
        return now;
    }

    /** Reads the source now; the scheduled task calls this, tests call it directly. */
    void refresh() {
        now = source.read();
    }

    /** Stops the refresh task; the time then stands still. Idempotent. */
    @Override
    public void close() {
        ScheduledFuture<?> task = refresher;
        if (task != null) {
            task.cancel(false);
        }
    }
}
