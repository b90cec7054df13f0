package io.rangekv.pd.schedule;

import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.PeerRole;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.meta.StoreState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scheduler decisions from hand-made cluster views: state in, operators out; no time, no sockets. */
class SchedulersTest {
    private final AtomicLong ids = new AtomicLong(100);

    private static StoreView up(long id) {
        return new StoreView(id, StoreState.UP, Set.of());
    }

    private static StoreView store(long id, StoreState state) {
        return new StoreView(id, state, Set.of());
    }

    /** Region {@code id} over [id, id+1) with voters on {@code stores}, led by the first. */
    private static RegionView region(long id, long... stores) {
        List<Peer> peers = new ArrayList<>();
        for (long s : stores) {
            peers.add(Peer.voter(id * 10 + s, s));
        }
        Region r = new Region(id, new KeyRange(Key.of("r" + id), Key.of("r" + id + "z")), RegionEpoch.INITIAL, peers);
        return new RegionView(r, Optional.of(peers.get(0)));
    }

    private List<Operator> replicas(ClusterView view) {
        return ReplicaChecker.check(view, regionId -> false, ids::incrementAndGet, ids::incrementAndGet, 0);
    }

    @Test
    void aDownStoresReplicaIsRecreatedOnTheEmptiestStoreBeforeItIsDropped() {
        ClusterView view = ClusterView.of(List.of(up(1), up(2), store(3, StoreState.DOWN), up(4), up(5)),
                List.of(region(1, 1, 2, 3), region(2, 1, 2, 4)), 3);
        List<Operator> ops = replicas(view);
        assertEquals(1, ops.size());
        Operator repair = ops.get(0);
        assertEquals(Operator.REPAIR, repair.kind());
        Step.AddLearner add = (Step.AddLearner) repair.steps().get(0);
        assertEquals(5, add.learner().storeId(), "store 5 holds nothing; store 4 holds a replica already");
        assertEquals(PeerRole.LEARNER, add.learner().role());
        assertTrue(repair.steps().get(1) instanceof Step.PromoteLearner);
        assertEquals(new Step.RemovePeer(3), repair.steps().get(2));
    }

    @Test
    void anOfflineStoreIsDrainedWhileItStillServes() {
        ClusterView view = ClusterView.of(List.of(up(1), up(2), store(3, StoreState.OFFLINE), up(4)),
                List.of(region(1, 3, 1, 2)), 3);
        Operator drain = replicas(view).get(0);
        assertEquals(4, ((Step.AddLearner) drain.steps().get(0)).learner().storeId());
        assertEquals(new Step.RemovePeer(3), drain.steps().get(2));
        assertTrue(drain.steps().get(2).action(view.regions().get(0)) instanceof Step.Action.TransferLeader,
                "store 3 leads: the leadership moves before its replica goes");
    }

    @Test
    void aDisconnectedStoreIsWaitedForNotReplaced() {
        // Flapping: silent for a moment (DISCONNECTED) is not DOWN; nothing moves.
        ClusterView view = ClusterView.of(List.of(up(1), up(2), store(3, StoreState.DISCONNECTED), up(4)),
                List.of(region(1, 1, 2, 3)), 3);
        assertEquals(List.of(), replicas(view));
        assertTrue(BalanceScheduler.balanceRegions(view, r -> false, 1, ids::incrementAndGet,
                ids::incrementAndGet, 0).isEmpty(), "no replica goes to or from a store that is not UP");
    }

    @Test
    void withNowhereToGoTheDeadReplicaStaysCounted() {
        ClusterView view = ClusterView.of(List.of(up(1), up(2), store(3, StoreState.DOWN)),
                List.of(region(1, 1, 2, 3)), 3);
        assertEquals(List.of(), replicas(view));
    }

    @Test
    void replicaCountsBelowAndAboveTargetAreFixedOneStepAtATime() {
        ClusterView view = ClusterView.of(List.of(up(1), up(2), up(3), up(4)),
                List.of(region(1, 1, 2), region(2, 1, 2, 3, 4)), 3);
        List<Operator> ops = replicas(view);
        assertEquals(2, ops.size());
        assertEquals("add-replica", ops.get(0).kind());
        assertEquals(3, ((Step.AddLearner) ops.get(0).steps().get(0)).learner().storeId());
        assertEquals("remove-replica", ops.get(1).kind());
    }

    /** Region {@code region}'s peers plus a learner {@code peerId} on {@code store}. */
    private static RegionView withLearner(RegionView region, long peerId, long store) {
        List<Peer> peers = new ArrayList<>(region.region().peers());
        peers.add(Peer.learner(peerId, store));
        return new RegionView(region.region().withPeers(peers, region.region().epoch().withNextConfVersion()),
                region.leader());
    }

    @Test
    void aRegionWithAnOperatorIsLeftAloneAndAStrayLearnerIsPromotedWhenVotersAreShort() {
        RegionView r = withLearner(region(1, 1, 2), 99, 4);
        ClusterView view = ClusterView.of(List.of(up(1), up(2), up(3), up(4)), List.of(r), 3);
        assertEquals(List.of(), ReplicaChecker.check(view, id -> true, ids::incrementAndGet, ids::incrementAndGet, 0));
        List<Operator> ops = replicas(view);
        assertEquals("promote-learner", ops.get(0).kind());
        // Through the add-learner step: its store creates the replica if it does not run it, and the promotion
        // waits until the learner has data.
        assertEquals(List.of(new Step.AddLearner(Peer.learner(99, 4)), new Step.PromoteLearner(99)),
                ops.get(0).steps());
        assertEquals(false, ops.get(0).steps().get(0).isDone(r.withPendingPeers(java.util.Set.of(99L))));
        assertEquals(true, ops.get(0).steps().get(0).isDone(r));
    }

    @Test
    void aStrayLearnerBesideEnoughVotersIsDropped() {
        RegionView r = withLearner(region(1, 1, 2, 3), 99, 4);
        ClusterView view = ClusterView.of(List.of(up(1), up(2), up(3), up(4)), List.of(r), 3);
        Operator op = replicas(view).get(0);
        assertEquals("remove-replica", op.kind());
        assertEquals(List.of(new Step.RemovePeer(4)), op.steps());
    }

    @Test
    void aDeadReplicaIsDroppedAloneWhenEnoughVotersLiveElsewhere() {
        ClusterView view = ClusterView.of(List.of(up(1), up(2), up(3), store(4, StoreState.OFFLINE), up(5)),
                List.of(region(1, 1, 2, 3, 4)), 3);
        Operator op = replicas(view).get(0);
        assertEquals(Operator.REPAIR, op.kind());
        assertEquals(List.of(new Step.RemovePeer(4)), op.steps());
    }

    @Test
    void aLiveLearnerTakesADeadReplicasPlaceBeforeANewReplicaIsMade() {
        RegionView r = withLearner(region(1, 1, 2, 5), 99, 3);
        ClusterView view = ClusterView.of(List.of(up(1), up(2), up(3), up(4), store(5, StoreState.DOWN)),
                List.of(r), 3);
        Operator op = replicas(view).get(0);
        assertEquals(List.of(new Step.AddLearner(Peer.learner(99, 3)), new Step.PromoteLearner(99),
                new Step.RemovePeer(5)), op.steps(), "store 4 is free, but the learner on store 3 is already there");
    }

    @Test
    void aFailedVoterNeitherCountsAsLiveNorTakesTheLeadership() {
        // Chaos seed 631: store 3 OFFLINE and leading, store 2's replica stopped by a full disk. The drain must add a
        // replica (two voters with data are not enough) and hand the leadership to one of them, never to store 2.
        RegionView r = region(109, 3, 2, 5, 4).withPendingPeers(Set.of(109L * 10 + 2));
        List<StoreView> stores = List.of(up(1), up(2), store(3, StoreState.OFFLINE), up(4), up(5));
        Operator op = replicas(ClusterView.of(stores, List.of(r), 3)).get(0);
        assertEquals(1, ((Step.AddLearner) op.steps().get(0)).learner().storeId());
        assertEquals(new Step.RemovePeer(3), op.steps().get(2));
        Step.Action handOff = op.steps().get(2).action(r);
        long to = ((Step.Action.TransferLeader) handOff).toStoreId();
        assertTrue(to == 5 || to == 4, "the leadership goes to a voter with data, not store " + to);
    }

    @Test
    void aRegionOnEveryStoreStillDrainsTheOfflineOne() {
        // Chaos seed 401: voters on stores 5, 2 (OFFLINE), 6, 1 and 4 and a learner on store 3; no store was left for
        // a new replica, and the check stopped there, so store 2 never drained.
        RegionView r = withLearner(region(21, 5, 2, 6, 1, 4), 49, 3);
        List<StoreView> stores = List.of(up(1), store(2, StoreState.OFFLINE), up(3), up(4), up(5), up(6));
        Operator op = replicas(ClusterView.of(stores, List.of(r), 3)).get(0);
        assertEquals(List.of(new Step.RemovePeer(2)), op.steps());
    }

    @Test
    void newStoresTakeTheirShareOfReplicasAndLeaders() {
        List<RegionView> regions = new ArrayList<>();
        for (long id = 1; id <= 6; id++) {
            regions.add(id % 3 == 1 ? region(id, 1, 2, 3) : id % 3 == 2 ? region(id, 2, 3, 1) : region(id, 3, 1, 2));
        }
        ClusterView view = ClusterView.of(List.of(up(1), up(2), up(3), up(4), up(5)), regions, 3);
        Operator move = BalanceScheduler.balanceRegions(view, r -> false, 1, ids::incrementAndGet,
                ids::incrementAndGet, 0).orElseThrow();
        assertEquals("balance-region", move.kind());
        Step.AddLearner add = (Step.AddLearner) move.steps().get(0);
        assertEquals(4, add.learner().storeId());
        Step.RemovePeer remove = (Step.RemovePeer) move.steps().get(2);
        RegionView moved = regions.stream().filter(r -> r.regionId() == move.regionId()).findFirst().orElseThrow();
        assertTrue(!moved.ledBy(remove.storeId()), "prefers a replica whose store does not lead the region");

        // Leaders: stores 1-3 lead two regions each, 4 and 5 none; new stores must first hold replicas to lead.
        assertTrue(BalanceScheduler.balanceLeaders(view, r -> false, 1, ids::incrementAndGet, 0).isEmpty());
        List<RegionView> skewed = List.of(region(1, 1, 2, 3), region(2, 1, 2, 3), region(3, 1, 2, 3));
        Operator leader = BalanceScheduler.balanceLeaders(ClusterView.of(List.of(up(1), up(2), up(3)), skewed, 3),
                r -> false, 1, ids::incrementAndGet, 0).orElseThrow();
        assertEquals(new Step.TransferLeader(2), leader.steps().get(0));
    }

    /**
     * Five stores: store 3 leads four regions, store 5 (leading none) shares no region with it, store 1 leads two,
     * store 4 one.
     * The store leading least overall is out of reach, so the leader goes to the region's voter leading fewest.
     */
    @Test
    void aLeaderGoesToTheLeastLeadingVoterOfItsRegionWhenTheLeastLeadingStoreHasNoReplica() {
        List<RegionView> regions = List.of(region(1, 3, 1, 4), region(2, 3, 1, 2), region(3, 3, 2, 4),
                region(4, 3, 1, 2), region(5, 4, 1, 5), region(6, 1, 2, 5), region(7, 2, 1, 5),
                region(8, 1, 2, 5));
        ClusterView view = ClusterView.of(List.of(up(1), up(2), up(3), up(4), up(5)), regions, 3);
        Operator op = BalanceScheduler.balanceLeaders(view, r -> false, 1, ids::incrementAndGet, 0).orElseThrow();
        assertEquals(1, op.regionId(), "store 3's first region with a voter on store 4");
        assertEquals(List.of(new Step.TransferLeader(4)), op.steps());
    }

    @Test
    void aBalancedClusterIsLeftAlone() {
        ClusterView view = ClusterView.of(List.of(up(1), up(2), up(3)),
                List.of(region(1, 1, 2, 3), region(2, 2, 3, 1), region(3, 3, 1, 2)), 3);
        assertTrue(BalanceScheduler.balanceLeaders(view, r -> false, 1, ids::incrementAndGet, 0).isEmpty());
        assertTrue(BalanceScheduler.balanceRegions(view, r -> false, 1, ids::incrementAndGet, ids::incrementAndGet, 0)
                .isEmpty());
        assertEquals(List.of(), replicas(view));
    }

    @Test
    void stepsJudgeThemselvesFromTheReportedRegion() {
        RegionView r = region(1, 1, 2, 3);
        Peer learner = Peer.learner(77, 4);
        Step.AddLearner add = new Step.AddLearner(learner);
        Step.Action.ChangePeers change = (Step.Action.ChangePeers) add.action(r);
        assertEquals(4, change.peers().size());
        RegionView after = new RegionView(r.region().withPeers(change.peers(), r.region().epoch()
                .withNextConfVersion()), r.leader());
        assertTrue(add.isDone(after));
        Step.RemovePeer removeLeader = new Step.RemovePeer(1);
        assertTrue(removeLeader.action(r) instanceof Step.Action.TransferLeader,
                "the leader's replica is removed only after the leadership moved");
        assertTrue(new Step.RemovePeer(2).action(r) instanceof Step.Action.ChangePeers);
    }

    @Test
    void aStoreFlappingBetweenUpAndDisconnectedNeverTriggersARepairOrATransferToIt() {
        List<RegionView> regions = List.of(region(1, 1, 2, 3), region(2, 1, 2, 3), region(3, 1, 2, 4));
        for (int round = 0; round < 6; round++) {
            StoreState flapping = round % 2 == 0 ? StoreState.UP : StoreState.DISCONNECTED;
            ClusterView view = ClusterView.of(List.of(up(1), up(2), store(3, flapping), up(4)), regions, 3);
            assertEquals(List.of(), replicas(view), "round " + round);
            Optional<Operator> leaders = BalanceScheduler.balanceLeaders(view, r -> false, 1, ids::incrementAndGet, 0);
            leaders.ifPresent(op -> assertTrue(flapping == StoreState.UP
                    || !op.steps().contains(new Step.TransferLeader(3)), "no leader goes to a silent store: " + op));
        }
    }

    @Test
    void aRegionMidSplitIsNeitherRepairedNorBalancedOnHalfKnowledge() {
        // The parent already reported its new range; the child is known but its leader has not reported yet, and
        // the PD's map has a gap where a second child will appear.
        RegionView parent = region(1, 1, 2, 3);
        Region childRegion = new Region(9, new KeyRange(Key.of("r1z"), Key.of("r2")), new RegionEpoch(1, 2),
                List.of(Peer.voter(91, 1), Peer.voter(92, 2), Peer.voter(93, 3)));
        RegionView child = new RegionView(childRegion, Optional.empty());
        ClusterView view = ClusterView.of(List.of(up(1), up(2), up(3), up(4)),
                List.of(parent, child, region(5, 1, 2, 3)), 3);
        assertEquals(List.of(), replicas(view), "the child lists 3 voters: nothing is missing");
        Optional<Operator> leaders = BalanceScheduler.balanceLeaders(view, r -> false, 0, ids::incrementAndGet, 0);
        leaders.ifPresent(op -> assertTrue(op.regionId() != 9, "a region with no reported leader is not moved"));
    }
}
