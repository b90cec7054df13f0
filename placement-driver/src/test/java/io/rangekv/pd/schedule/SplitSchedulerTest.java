package io.rangekv.pd.schedule;

import io.rangekv.config.DataSize;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.meta.StoreState;
import io.rangekv.pd.PdConfig;
import io.rangekv.time.Clock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Automatic split decisions, one call per scheduling round, from hand-made views and a manual clock. */
class SplitSchedulerTest {
    private long now;
    private final Clock clock = new Clock() {
        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public long currentTimeMillis() {
            return now / 1_000_000;
        }
    };
    private final SplitScheduler splits = new SplitScheduler(DecisionThread.callingThread(), clock, new SplitChecker(
            PdConfig.ScheduleConfig.DEFAULTS.withSplit(DataSize.ofBytes(1000), 100, Duration.ofSeconds(10))
                    .withLoadSplit(500, Duration.ofSeconds(5))));
    private final Region region = new Region(7, KeyRange.ALL, new RegionEpoch(3, 4),
            List.of(Peer.voter(71, 1), Peer.voter(72, 2), Peer.voter(73, 3)));

    private static ClusterView view(RegionView r) {
        return ClusterView.of(List.of(new StoreView(1, StoreState.UP, Set.of(7L))), List.of(r), 3);
    }

    private RegionView reported(long bytes, long keys, double keysPerSec) {
        return new RegionView(region, Optional.of(region.peers().get(0)), Set.of(), bytes, keys, keysPerSec);
    }

    @Test
    void aRegionOverASizeThresholdIsSplitUnlessBusyOrNeverReported() {
        List<SplitScheduler.Split> decided = splits.check(view(reported(1001, 1, 0)), id -> false);
        assertEquals(1, decided.size());
        assertEquals(region, decided.get(0).region().region(), "at the recorded epoch");
        assertTrue(decided.get(0).reason().contains("split-size"), decided.get(0).reason());
        assertTrue(splits.check(view(reported(1, 101, 0)), id -> false).get(0).reason().contains("split-keys"));
        assertEquals(List.of(), splits.check(view(reported(1001, 1, 0)), id -> id == 7), "busy");
        assertEquals(List.of(), splits.check(view(new RegionView(region, Optional.empty())), id -> false),
                "no leader report yet");
        assertEquals(List.of(), splits.check(view(reported(1000, 100, 0)), id -> false), "at the thresholds");
    }

    @Test
    void aRegionIsSplitByLoadOnlyAfterStayingHotWithoutABreak() {
        for (int round = 0; round < 5; round++) {
            assertEquals(List.of(), splits.check(view(reported(1, 1, 800)), id -> false), "round " + round);
            now += Duration.ofSeconds(1).toNanos();
        }
        assertTrue(splits.check(view(reported(1, 1, 800)), id -> false).get(0).reason().contains("split-qps"));
        splits.check(view(reported(1, 1, 100)), id -> false); // calm: the streak ends
        now += Duration.ofSeconds(1).toNanos();
        assertEquals(List.of(), splits.check(view(reported(1, 1, 800)), id -> false), "a new streak starts");
    }

    @Test
    void aCallFromAnotherThreadFails() {
        CompletableFuture<Void> elsewhere = CompletableFuture.runAsync(
                () -> splits.check(view(reported(1, 1, 0)), id -> false), r -> new Thread(r, "pd-http-0").start());
        ExecutionException e = assertThrows(ExecutionException.class, () -> elsewhere.get(10, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }
}
