package io.rangekv.client.route;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CoarseTickerTest {
    private final AtomicLong source = new AtomicLong(1_000);

    @Test
    void readsWhatTheSourceShowedAtTheLastRefresh() {
        CoarseTicker ticker = new CoarseTicker(source::get);
        assertEquals(1_000, ticker.read(), "starts at the source's time");
        source.addAndGet(7_000_000);
        assertEquals(1_000, ticker.read(), "lags until refreshed");
        ticker.refresh();
        assertEquals(7_001_000, ticker.read());
    }

    @Test
    void isRefreshedAtAFixedRateOnTheGivenExecutorUntilClosed() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);
        executor.setRemoveOnCancelPolicy(true);
        try {
            // An hour, so that the task is scheduled but never runs during the test: no sleeping, no timing.
            CoarseTicker ticker = CoarseTicker.refreshedBy(executor, Duration.ofHours(1), source::get);
            assertEquals(1, executor.getQueue().size(), "one task, on the caller's executor: no thread of its own");
            RunnableScheduledFuture<?> task = (RunnableScheduledFuture<?>) executor.getQueue().peek();
            long delay = task.getDelay(TimeUnit.MINUTES);
            assertTrue(delay >= 59 && delay <= 60, "first refresh one period away: " + delay);
            assertTrue(task.isPeriodic());
            ticker.close();
            assertTrue(executor.getQueue().isEmpty(), "closing cancels the refresh");
            assertFalse(executor.isShutdown(), "and leaves the executor to its owner");
            ticker.close();
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void rejectsAPeriodThatIsNotPositive() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);
        try {
            assertThrows(IllegalArgumentException.class,
                    () -> CoarseTicker.refreshedBy(executor, Duration.ZERO, source::get));
            assertThrows(IllegalArgumentException.class,
                    () -> CoarseTicker.refreshedBy(executor, Duration.ofMillis(-1), source::get));
        } finally {
            executor.shutdownNow();
        }
    }
}
