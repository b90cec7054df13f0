package io.rangekv.pd.schedule;

import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.meta.StoreState;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HotRegionSchedulerTest {
    private final AtomicLong ids = new AtomicLong();

    /** Region {@code id} on stores 1-3, led by {@code leaderStore}, serving {@code qps} keys per second. */
    private static RegionView region(long id, long leaderStore, double qps) {
        List<Peer> peers = List.of(Peer.voter(id * 10 + 1, 1), Peer.voter(id * 10 + 2, 2), Peer.voter(id * 10 + 3, 3));
        Region r = new Region(id, new KeyRange(Key.of("k" + id), Key.of("k" + id + "~")), new RegionEpoch(1, 1), peers);
        return new RegionView(r, Optional.of(peers.get((int) leaderStore - 1)), Set.of(), 0, 0, qps);
    }

    private static ClusterView cluster(List<RegionView> regions) {
        List<StoreView> stores = List.of(new StoreView(1, StoreState.UP, Set.of()),
                new StoreView(2, StoreState.UP, Set.of()), new StoreView(3, StoreState.UP, Set.of()));
        return ClusterView.of(stores, regions, 3);
    }

    @Test
    void theHottestLeaderOnACrowdedStoreMovesToTheStoreWithFewestHotLeaders() {
        ClusterView view = cluster(List.of(region(1, 1, 5000), region(2, 1, 9000), region(3, 2, 4000),
                region(4, 3, 10)));
        Operator op = HotRegionScheduler.spreadHotLeaders(view, id -> false, 1000, ids::incrementAndGet, 0)
                .orElseThrow();
        assertEquals(2, op.regionId(), "the hottest region on store 1 (two hot leaders)");
        assertEquals(List.of(new Step.TransferLeader(3)), op.steps(), "store 3 leads no hot region");
    }

    @Test
    void spreadHotLeadersAreLeftAloneAndBusyRegionsAreSkipped() {
        ClusterView spread = cluster(List.of(region(1, 1, 5000), region(2, 2, 9000), region(3, 3, 4000)));
        assertTrue(HotRegionScheduler.spreadHotLeaders(spread, id -> false, 1000, ids::incrementAndGet, 0).isEmpty());
        ClusterView crowded = cluster(List.of(region(1, 1, 5000), region(2, 1, 9000)));
        Operator op = HotRegionScheduler.spreadHotLeaders(crowded, id -> id == 2, 1000, ids::incrementAndGet, 0)
                .orElseThrow();
        assertEquals(1, op.regionId(), "region 2 has an operator; the next hottest moves");
        assertTrue(HotRegionScheduler.spreadHotLeaders(crowded, id -> false, 0 + 100_000, ids::incrementAndGet, 0)
                .isEmpty(), "nothing is hot under a higher threshold");
    }
}
