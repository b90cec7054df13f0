package io.rangekv.pd.schedule;

import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.meta.StoreState;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** Replacing a replica its store reports failed for good (an apply failure, a full disk). */
class ReplicaReplacementTest {
    private final AtomicLong ids = new AtomicLong(100);
    private static final Region REGION = new Region(1, new KeyRange(Key.EMPTY, Key.EMPTY), new RegionEpoch(3, 1),
            List.of(Peer.voter(11, 1), Peer.voter(12, 2), Peer.voter(13, 3)));

    private static StoreView store(long id, Set<Long> failed, long hostedPeer) {
        return new StoreView(id, StoreState.UP, Set.of(1L), Set.of(), Map.of(1L, hostedPeer), failed);
    }

    private List<Operator> forFailed(ClusterView view, boolean busy) {
        return ReplicaReplacement.forFailed(view, id -> busy, ids::incrementAndGet, ids::incrementAndGet, 0);
    }

    @Test
    void aFailedReplicaIsReplacedOnTheSpareStore() {
        ClusterView view = ClusterView.of(List.of(store(1, Set.of(), 11), store(2, Set.of(1L), 12),
                store(3, Set.of(), 13), new StoreView(4, StoreState.UP, Set.of())),
                List.of(new RegionView(REGION, Optional.of(REGION.peers().get(0)))), 3);

        List<Operator> ops = forFailed(view, false);

        assertEquals(1, ops.size());
        assertEquals(ReplicaReplacement.FAILED_KIND, ops.get(0).kind());
        assertEquals(4, assertInstanceOf(Step.AddLearner.class, ops.get(0).steps().get(0)).learner().storeId());
        assertEquals(new Step.RemovePeer(2), ops.get(0).steps().get(2));
        assertEquals(List.of(), forFailed(view, true), "a busy region is left to its operator");
    }

    @Test
    void aFailedReportFromAnOldReplicaOfTheRegionIsNotTheMembersFailure() {
        ClusterView view = ClusterView.of(List.of(store(1, Set.of(), 11), store(2, Set.of(1L), 7),
                store(3, Set.of(), 13)), List.of(new RegionView(REGION, Optional.of(REGION.peers().get(0)))), 3);

        assertEquals(List.of(), forFailed(view, false), "store 2's failed replica is peer 7, not the member 12");
    }
}
