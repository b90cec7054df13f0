package io.rangekv.pd.schedule;

import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.meta.StoreState;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.time.Clock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OperatorControllerTest {
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
    private final OperatorController controller = new OperatorController(clock, 1, Duration.ofMinutes(1));
    private final Region initial = new Region(1, KeyRange.ALL, RegionEpoch.INITIAL,
            List.of(Peer.voter(11, 1), Peer.voter(12, 2), Peer.voter(13, 3)));

    private RegionView view(Region region) {
        return new RegionView(region, Optional.of(region.peers().get(0)));
    }

    private Operator move(long regionId, long from, long to) {
        Peer learner = Peer.learner(50 + to, to);
        return new Operator(controller.newOperatorId(), regionId, "move", "test",
                List.of(new Step.AddLearner(learner), new Step.PromoteLearner(learner.peerId()),
                        new Step.RemovePeer(from)), now);
    }

    @Test
    void aMoveRunsStepByStepFromReportsAndEndsInTheHistory() {
        assertTrue(controller.admit(move(1, 3, 4)));
        PdProto.RegionInstruction first = controller.onRegionReport(view(initial), initial).orElseThrow();
        assertEquals(4, first.getChangePeers().getPeersCount());
        assertEquals(1, controller.onStoreReport(4, Set.of(), Set.of()).size(), "store 4 is told to create the replica");
        assertEquals(0, controller.onStoreReport(4, Set.of(1L), Set.of()).size(), "not once it hosts it");

        List<Peer> withLearner = new ArrayList<>(initial.peers());
        withLearner.add(Peer.learner(54, 4));
        Region step1 = initial.withPeers(withLearner, initial.epoch().withNextConfVersion());
        PdProto.RegionInstruction promote = controller.onRegionReport(view(step1), null).orElseThrow();
        assertTrue(promote.getChangePeers().getPeersList().stream().allMatch(p -> p.getRole().getNumber() == 0));

        Region step2 = step1.withPeers(step1.peers().stream().map(p -> p.withRole(io.rangekv.meta.PeerRole.VOTER))
                .toList(), step1.epoch().withNextConfVersion());
        PdProto.RegionInstruction remove = controller.onRegionReport(view(step2), null).orElseThrow();
        assertFalse(remove.getChangePeers().getPeersList().stream().anyMatch(p -> p.getStoreId() == 3));

        Region done = step2.withPeers(step2.peers().stream().filter(p -> p.storeId() != 3).toList(),
                step2.epoch().withNextConfVersion());
        assertTrue(controller.onRegionReport(view(done), null).isEmpty());
        assertEquals(Operator.Status.SUCCEEDED, controller.history().get(0).status());
        assertTrue(controller.running().isEmpty());
    }

    /**
     * A learner whose store still reports it waiting for its first RaftSnapshot holds no data: it is neither promoted
     * nor handed the leadership when its region's leader moves off a store, until it has one.
     */
    @Test
    void aLearnerWithoutDataIsNeitherPromotedNorMadeLeader() {
        assertTrue(controller.admit(move(1, 1, 4)));
        controller.onRegionReport(view(initial), initial).orElseThrow();
        controller.onStoreReport(4, Set.of(1L), Set.of());
        List<Peer> withLearner = new ArrayList<>(initial.peers());
        withLearner.add(Peer.learner(54, 4));
        Region step1 = initial.withPeers(withLearner, initial.epoch().withNextConfVersion());
        assertTrue(controller.onRegionReport(view(step1).withPendingPeers(Set.of(54L)), null).isEmpty(),
                "no promotion while the learner has no data");
        PdProto.RegionInstruction promote = controller.onRegionReport(view(step1), null).orElseThrow();
        assertTrue(promote.getChangePeers().getPeersList().stream().allMatch(p -> p.getRole().getNumber() == 0));

        // Promoted, but (say) a new replica re-made there is pending again: the leader on store 1 moves to store 2,
        // never to the pending one on store 4 that comes first by id order of its peers.
        List<Peer> voters = List.of(Peer.voter(54, 4), Peer.voter(11, 1), Peer.voter(12, 2), Peer.voter(13, 3));
        Region step2 = initial.withPeers(voters, step1.epoch().withNextConfVersion());
        RegionView pending = new RegionView(step2, Optional.of(Peer.voter(11, 1))).withPendingPeers(Set.of(54L));
        PdProto.RegionInstruction transfer = controller.onRegionReport(pending, null).orElseThrow();
        assertEquals(2, transfer.getTransferLeader().getToStoreId());
        assertEquals(List.of(1L, 2L, 3L), pending.leaderCandidateStores());
    }

    /**
     * Store 4 still runs a replica region 1 removed earlier (it never applied its own removal): a learner added
     * there would reuse that Raft group. The operator waits, sending nothing, until store 4 stops hosting it.
     */
    @Test
    void aLearnerWaitsUntilItsStoreNoLongerRunsAnOldReplica() {
        assertTrue(controller.admit(move(1, 3, 4)));
        controller.onStoreReport(4, Set.of(1L), Set.of());
        assertTrue(controller.onRegionReport(view(initial), initial).isEmpty(), "no AddLearner while store 4 "
                + "hosts an old replica");
        controller.onStoreReport(4, Set.of(), Set.of());
        PdProto.RegionInstruction add = controller.onRegionReport(view(initial), initial).orElseThrow();
        assertEquals(4, add.getChangePeers().getPeersCount(), "the learner is added once the old replica is gone");
    }

    /**
     * The replica hygiene must be free to destroy that old replica while the operator waits for it to go (sparing
     * every replica of a region with an operator deadlocked the two until the operator timed out, and the repair
     * that followed waited again); the replica the operator had the store create is its own.
     */
    @Test
    void onlyTheReplicaAnOperatorHadCreatedIsClaimedByIt() {
        assertTrue(controller.admit(move(1, 3, 4)));
        controller.onRegionReport(view(initial), initial);
        controller.onStoreReport(4, Set.of(1L), Set.of());
        assertFalse(controller.claimsReplica(1, 4), "an old replica on store 4 is a stray the hygiene may destroy");
        assertEquals(1, controller.onStoreReport(4, Set.of(), Set.of()).size(), "once gone, store 4 creates it anew");
        assertTrue(controller.claimsReplica(1, 4), "the new one is the operator's learner");
        assertFalse(controller.claimsReplica(2, 4), "a region without an operator claims nothing");
    }

    /**
     * The store heartbeat that tells store 4 to create the learner's replica can come before the region heartbeat
     * that sends the AddLearner: the replica store 4 then hosts is the new one, and the operator goes on.
     */
    @Test
    void aReplicaTheOperatorHadCreatedIsNotMistakenForAnOldOne() {
        assertTrue(controller.admit(move(1, 3, 4)));
        controller.onRegionReport(view(initial), initial);
        assertEquals(1, controller.onStoreReport(4, Set.of(), Set.of()).size(), "store 4 is told to create it");
        controller.onStoreReport(4, Set.of(1L), Set.of());
        PdProto.RegionInstruction add = controller.onRegionReport(view(initial), initial).orElseThrow();
        assertEquals(4, add.getChangePeers().getPeersCount());
    }

    @Test
    void oneOperatorPerRegionAndAPerStoreLimit() {
        assertTrue(controller.admit(move(1, 3, 4)));
        assertFalse(controller.admit(move(1, 2, 5)), "the region is busy");
        assertFalse(controller.admit(move(2, 3, 5)), "store 3 is at its limit of one");
        assertTrue(controller.admit(move(2, 1, 5)), "stores 1 and 5 are free");
    }

    /** Repairs of a dead store's replicas compete for the stores that receive them, not for the dead store. */
    @Test
    void aRepairsRemovalOfTheDeadStoreIsNotCountedAgainstIt() {
        assertTrue(controller.admit(repair(1, 3, 4)));
        assertTrue(controller.admit(repair(2, 3, 5)), "store 3 is dead: it does no work for the repairs");
        assertFalse(controller.admit(repair(3, 3, 5)), "store 5 receives one replica already");
    }

    private Operator repair(long regionId, long dead, long to) {
        Peer learner = Peer.learner(50 + to, to);
        return new Operator(controller.newOperatorId(), regionId, Operator.REPAIR, "test",
                List.of(new Step.AddLearner(learner), new Step.PromoteLearner(learner.peerId()),
                        new Step.RemovePeer(dead)), now);
    }

    @Test
    void aStalledMoveTimesOutAndItsLearnerIsRemoved() {
        controller.admit(move(1, 3, 4));
        List<Peer> withLearner = new ArrayList<>(initial.peers());
        withLearner.add(Peer.learner(54, 4));
        Region stuck = initial.withPeers(withLearner, initial.epoch().withNextConfVersion());
        controller.onRegionReport(view(stuck), initial);
        now += Duration.ofMinutes(2).toNanos();
        List<Operator> rollbacks = controller.expire(Map.of(1L, view(stuck)));
        assertEquals(Operator.Status.TIMED_OUT, controller.history().get(0).status());
        assertTrue(controller.history().get(0).outcome().contains("stalled at step 2"));
        assertEquals(1, rollbacks.size());
        assertEquals(List.of(new Step.RemovePeer(4)), rollbacks.get(0).steps());
    }

    @Test
    void optionalOperatorsWaitOutARegionsCoolDownRepairsAndAdminsDoNot() {
        OperatorController cooling = new OperatorController(clock, 4, Duration.ofMinutes(1), Duration.ofSeconds(10));
        Operator first = new Operator(cooling.newOperatorId(), 1, "balance-leader", "test",
                List.of(new Step.TransferLeader(2)), now);
        assertTrue(cooling.admit(first));
        cooling.cancel(1, "test");
        now += Duration.ofSeconds(5).toNanos();
        assertTrue(cooling.coolingDown(1));
        assertFalse(cooling.admit(new Operator(cooling.newOperatorId(), 1, "balance-leader", "again",
                List.of(new Step.TransferLeader(3)), now)), "a balance right after an operator would churn");
        assertTrue(cooling.admit(new Operator(cooling.newOperatorId(), 1, Operator.REPAIR, "store down",
                List.of(new Step.RemovePeer(3)), now)), "a repair never waits");
        cooling.cancel(1, "test");
        now += Duration.ofSeconds(11).toNanos();
        assertTrue(cooling.admit(new Operator(cooling.newOperatorId(), 1, "balance-leader", "later",
                List.of(new Step.TransferLeader(3)), now)));
    }

    /**
     * CI: a leader balance toward store 1 started just as store 1 was killed; with the timeout as the only way out it
     * held region 5 (and so its repair) for minutes. Once store 1 is not UP, the operator is cancelled.
     */
    @Test
    void anOperatorThatNeedsAStoreNoLongerUpIsCancelled() {
        OperatorController ops = new OperatorController(clock, 4, Duration.ofMinutes(10));
        assertTrue(ops.admit(new Operator(ops.newOperatorId(), 1, "balance-leader", "test",
                List.of(new Step.TransferLeader(3)), now)));
        assertTrue(ops.admit(move(2, 3, 4)));
        assertTrue(ops.admit(repair(7, 3, 4)));
        Region second = new Region(2, KeyRange.ALL, RegionEpoch.INITIAL, initial.peers());
        ops.onRegionReport(view(second), second);
        Map<Long, RegionView> regions = Map.of(1L, view(initial), 2L, view(second));

        assertTrue(ops.cancelStranded(cluster(Map.of(3L, StoreState.UP, 4L, StoreState.UP)), regions).isEmpty());
        assertEquals(3, ops.running().size(), "all stores up: nothing cancelled");

        List<Operator> rollbacks = ops.cancelStranded(cluster(Map.of(3L, StoreState.DISCONNECTED,
                4L, StoreState.UP)), regions);
        assertTrue(rollbacks.isEmpty(), "no learner was added yet");
        assertEquals(List.of(2L, 7L), ops.running().stream().map(Operator::regionId).sorted().toList(),
                "only the leader transfer needs store 3: a move or repair away from it needs nothing there");
        assertEquals(Operator.Status.CANCELLED, ops.history().get(0).status());
        assertTrue(ops.history().get(0).outcome().contains("needs store 3, which is DISCONNECTED"),
                ops.history().get(0).outcome());

        List<Peer> withLearner = new ArrayList<>(second.peers());
        withLearner.add(Peer.learner(54, 4));
        Region learning = second.withPeers(withLearner, second.epoch().withNextConfVersion());
        rollbacks = ops.cancelStranded(cluster(Map.of(3L, StoreState.UP, 4L, StoreState.DOWN)),
                Map.of(2L, view(learning)));
        assertTrue(ops.running().isEmpty(), "the learner's store is down: both operators adding there end");
        assertEquals(List.of(new Step.RemovePeer(4)), rollbacks.get(0).steps(), "the learner it added is removed");
    }

    private ClusterView cluster(Map<Long, StoreState> states) {
        List<StoreView> stores = new ArrayList<>();
        for (long id = 1; id <= 4; id++) {
            stores.add(new StoreView(id, states.getOrDefault(id, StoreState.UP), Set.of()));
        }
        return ClusterView.of(stores, List.of(), 3);
    }
}
