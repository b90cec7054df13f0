package io.rangekv.pd.schedule;

import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.meta.StoreState;
import io.rangekv.time.Clock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replica hygiene from hand-made views and a manual clock, one call per scheduling round: the map missing a live
 * region (a split child reported before its parent, a merge not applied everywhere) never destroys it; only proof
 * does, with a real epoch.
 */
class ReplicaHygieneTest {
    private static final Duration ROUND = Duration.ofSeconds(1);

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
    private final DecisionThread thread = DecisionThread.callingThread();
    private final ReplicaHygiene hygiene = new ReplicaHygiene(thread, clock);
    private ReplicaHygiene.Operators operators = ReplicaHygiene.Operators.of(id -> false, (r, s) -> false);
    private final Map<Long, Region> initial = new java.util.HashMap<>();

    private static Region region(long id, String start, String end, long confVersion, long version,
                                 long... stores) {
        List<Peer> peers = Arrays.stream(stores).mapToObj(s -> Peer.voter(id * 10 + s, s)).toList();
        return new Region(id, new KeyRange(Key.of(start), Key.of(end)), new RegionEpoch(confVersion, version), peers);
    }

    /** What a store reported: the regions it hosts, and those of them frozen for a merge. */
    private record Hosts(long storeId, Set<Long> hosted, Set<Long> frozen) {
    }

    private static Hosts hosts(long storeId, Long... regions) {
        return new Hosts(storeId, Set.of(regions), Set.of());
    }

    private static ClusterView view(List<Region> regions, Hosts... stores) {
        List<StoreView> views = new ArrayList<>();
        for (Hosts h : stores) {
            views.add(new StoreView(h.storeId(), StoreState.UP, h.hosted(), h.frozen()));
        }
        return ClusterView.of(views, regions.stream().map(r -> new RegionView(r, Optional.empty())).toList(), 3);
    }

    /** Rounds of one second each for {@code duration}; every instruction decided on the way. */
    private List<StoreInstruction> roundsFor(Duration duration, ClusterView view) {
        List<StoreInstruction> all = new ArrayList<>();
        for (long t = 0; t <= duration.toNanos(); t += ROUND.toNanos()) {
            all.addAll(hygiene.check(view, id -> Optional.ofNullable(initial.get(id)), operators));
            now += ROUND.toNanos();
        }
        return all;
    }

    private static List<StoreInstruction.DestroyReplica> destroys(List<StoreInstruction> decided) {
        return decided.stream().filter(i -> i instanceof StoreInstruction.DestroyReplica)
                .map(i -> (StoreInstruction.DestroyReplica) i).toList();
    }

    /**
     * Region 1 was moved off store 3 and is being moved back: it lists a new replica 99 there, while store 3 still
     * runs its old replica 13 (removed while behind, never destroyed). Store 3 hosts "region 1", so the new replica
     * was never created and the old one was taken for it (the chaos suite, seed 20261207: a store that could not
     * restart, a region left without a leader). The old replica is destroyed by its peer id, even though the move's
     * operator claims a replica of region 1 on store 3.
     */
    @Test
    void anOldReplicaOnAStoreWhereTheRegionListsANewOneIsDestroyedByPeerId() {
        List<Peer> peers = List.of(Peer.voter(11, 1), Peer.voter(12, 2), Peer.learner(99, 3));
        Region readded = new Region(1, new KeyRange(Key.EMPTY, Key.EMPTY), new RegionEpoch(5, 1), peers);
        operators = ReplicaHygiene.Operators.of(id -> true, (r, s) -> true);
        List<StoreView> stores = List.of(new StoreView(1, StoreState.UP, Set.of(1L), Set.of(), Map.of(1L, 11L)),
                new StoreView(2, StoreState.UP, Set.of(1L), Set.of(), Map.of(1L, 12L)),
                new StoreView(3, StoreState.UP, Set.of(1L), Set.of(), Map.of(1L, 13L)));
        ClusterView view = ClusterView.of(stores, List.of(new RegionView(readded, Optional.empty())), 3);

        List<StoreInstruction.DestroyReplica> destroyed = destroys(roundsFor(Duration.ofSeconds(10), view));

        assertEquals(3, destroyed.get(0).storeId());
        assertEquals(13, destroyed.get(0).peerId(), "only the old replica, by its peer id");
        assertEquals(readded.epoch(), destroyed.get(0).epoch());
    }

    /**
     * Region 1 splits at "m" into 1 [, m) and 50 [m, ). The child's report arrives first and replaces the parent in
     * the map; the parent's report is late. Every store still hosts region 1 with the keys [, m): they must stay.
     */
    @Test
    void aSplitParentMissingFromTheMapIsNeverDestroyed() {
        Region parent = region(1, "", "", 1, 1, 1, 2, 3);
        roundsFor(Duration.ofSeconds(2), view(List.of(parent), hosts(1, 1L), hosts(2, 1L), hosts(3, 1L)));
        Region child = region(50, "m", "", 1, 2, 1, 2, 3);
        ClusterView parentMissing = view(List.of(child), hosts(1, 1L, 50L), hosts(2, 1L, 50L), hosts(3, 1L, 50L));
        assertEquals(List.of(), destroys(roundsFor(Duration.ofSeconds(60), parentMissing)),
                "the child covers only part of the parent's range: no proof the parent is gone");
    }

    /**
     * Region 2 [g, ) merged into region 1 [, g): the PD recorded the merged region 1 as soon as its leader reported
     * it, but store 3's replica of region 1 has not applied the commit yet, so store 3 still runs region 2, frozen.
     * Destroying it would drop the keys the commit is about to take over.
     */
    @Test
    void aMergeSourceStillFrozenOnAStoreIsNeverDestroyed() {
        Region target = region(1, "", "g", 1, 5, 1, 2, 3);
        Region source = region(2, "g", "", 1, 3, 1, 2, 3);
        roundsFor(Duration.ofSeconds(2), view(List.of(target, source), hosts(1, 1L, 2L), hosts(2, 1L, 2L),
                hosts(3, 1L, 2L)));
        Region merged = region(1, "", "", 1, 6, 1, 2, 3);
        ClusterView lagging = view(List.of(merged), hosts(1, 1L), hosts(2, 1L),
                new Hosts(3, Set.of(1L, 2L), Set.of(2L)));
        assertEquals(List.of(), destroys(roundsFor(Duration.ofSeconds(60), lagging)));
    }

    /** A region this PD leader never saw in its map: nothing proves anything about it. */
    @Test
    void aRegionThePdNeverRecordedIsLeftAlone() {
        Region all = region(1, "", "", 1, 9, 1, 2, 3);
        assertEquals(List.of(), destroys(roundsFor(Duration.ofSeconds(60), view(List.of(all),
                hosts(1, 1L, 7L), hosts(2, 1L), hosts(3, 1L)))));
    }

    /**
     * The proof: region 2's whole range is now held by region 1 at a higher version, and store 3 reports hosting
     * region 1 (which lists it) while still running an unfrozen region 2. Store 4, which has no replica of region 1,
     * keeps its old replica: nothing there proves its keys are held elsewhere.
     */
    @Test
    void aReplicaMergedAwayIsDestroyedOnlyWithProofAndAtARealEpoch() {
        Region target = region(1, "", "g", 1, 5, 1, 2, 3);
        Region source = region(2, "g", "", 4, 3, 1, 2, 3);
        roundsFor(Duration.ofSeconds(1), view(List.of(target, source), hosts(1, 1L, 2L), hosts(2, 1L, 2L),
                hosts(3, 1L, 2L)));
        Region merged = region(1, "", "", 1, 6, 1, 2, 3);
        ClusterView after = view(List.of(merged), hosts(1, 1L), hosts(2, 1L), hosts(3, 1L, 2L), hosts(4, 2L));
        assertEquals(List.of(), destroys(roundsFor(ReplicaHygiene.GRACE.minus(ROUND), after)), "within the grace");
        List<StoreInstruction.DestroyReplica> destroyed = destroys(roundsFor(ROUND.multipliedBy(2), after));
        assertTrue(!destroyed.isEmpty());
        for (StoreInstruction.DestroyReplica d : destroyed) {
            assertEquals(3, d.storeId());
            assertEquals(2, d.regionId());
            assertEquals(new RegionEpoch(4, 4), d.epoch(), "one version past the last one recorded, never MAX");
        }
    }

    /** Only part of the range is covered by newer regions (a gap): no destroy. */
    @Test
    void aPartlyCoveredRangeIsNoProof() {
        Region old = region(2, "c", "p", 1, 3, 1, 2, 3);
        Region left = region(1, "", "c", 1, 3, 1, 2, 3);
        roundsFor(Duration.ofSeconds(1), view(List.of(left, old), hosts(1, 1L, 2L)));
        Region grown = region(1, "", "k", 1, 4, 1, 2, 3);
        assertEquals(List.of(), destroys(roundsFor(Duration.ofSeconds(30), view(List.of(grown),
                hosts(1, 1L, 2L)))), "keys [k, p) of region 2 are held by no recorded region");
    }

    /** The region is recorded and no longer lists store 4: destroyed after the grace, at the recorded epoch. */
    @Test
    void aReplicaItsRegionNoLongerListsIsDestroyedAtTheRecordedEpochUnlessAnOperatorClaimsIt() {
        Region r = region(1, "", "", 7, 2, 1, 2, 3);
        ClusterView v = view(List.of(r), hosts(1, 1L), hosts(2, 1L), hosts(3, 1L), hosts(4, 1L));
        operators = ReplicaHygiene.Operators.of(id -> true, (region, store) -> store == 4);
        assertEquals(List.of(), destroys(roundsFor(Duration.ofSeconds(30), v)), "an operator's learner");
        operators = ReplicaHygiene.Operators.of(id -> false, (region, store) -> false);
        List<StoreInstruction.DestroyReplica> destroyed = destroys(roundsFor(ReplicaHygiene.GRACE.plus(ROUND), v));
        assertEquals(4, destroyed.get(0).storeId());
        assertEquals(new RegionEpoch(7, 2), destroyed.get(0).epoch());
    }

    @Test
    void aReplicaTheMapPlacesOnAStoreThatLacksItIsCreatedAfterTheGrace() {
        Region r = region(1, "", "", 2, 2, 1, 2, 3);
        initial.put(1L, region(1, "", "", 1, 1, 1, 2));
        ClusterView v = view(List.of(r), hosts(1, 1L), hosts(2, 1L), hosts(3));
        operators = ReplicaHygiene.Operators.of(id -> true, (region, store) -> false);
        assertEquals(List.of(), roundsFor(Duration.ofSeconds(30), v), "the operator's business");
        operators = ReplicaHygiene.Operators.of(id -> false, (region, store) -> false);
        List<StoreInstruction> decided = roundsFor(ReplicaHygiene.GRACE.plus(ROUND), v);
        StoreInstruction.CreateReplica create = assertInstanceOf(StoreInstruction.CreateReplica.class,
                decided.get(0));
        assertEquals(3, create.storeId());
        assertEquals(13, create.peerId());
        assertEquals(initial.get(1L), create.initial());
    }

    @Test
    void aDestroyWithAnEpochNoRegionCanHaveCannotBeMade() {
        assertThrows(IllegalArgumentException.class, () -> new StoreInstruction.DestroyReplica(1, 2,
                new RegionEpoch(Long.MAX_VALUE, Long.MAX_VALUE), "test"));
    }

    @Test
    void aRoundsDecisionsAreDeliveredOnceAndOnlyWhileTheyStillHold() {
        StoreInstructionQueue queue = new StoreInstructionQueue(thread);
        StoreInstruction destroy = new StoreInstruction.DestroyReplica(4, 1, new RegionEpoch(2, 2), "test");
        StoreInstruction create = new StoreInstruction.CreateReplica(4, region(5, "", "", 1, 1, 4), 54, "test");
        queue.replaceAll(List.of(destroy, create));
        assertEquals(List.of(destroy, create), queue.takeFor(4, Set.of(1L)));
        assertEquals(List.of(), queue.takeFor(4, Set.of(1L)), "once");
        queue.replaceAll(List.of(destroy, create));
        assertEquals(List.of(), queue.takeFor(4, Set.of(5L)), "store 4 no longer hosts 1, and already hosts 5");
        queue.replaceAll(List.of(destroy));
        queue.replaceAll(List.of());
        assertEquals(List.of(), queue.takeFor(4, Set.of(1L)), "the next round no longer decided it");
    }

    /** The hygiene's state belongs to the decision thread: a call from any other thread fails, changing nothing. */
    @Test
    void aCallFromAnotherThreadFails() throws Exception {
        ClusterView v = view(List.of(region(1, "", "", 1, 1, 1)), hosts(1, 1L));
        StoreInstructionQueue queue = new StoreInstructionQueue(thread);
        CompletableFuture<Void> fromElsewhere = CompletableFuture.runAsync(() ->
                hygiene.check(v, id -> Optional.empty(), operators), runnable -> new Thread(runnable, "not-pd-schedule").start());
        ExecutionException e = assertThrows(ExecutionException.class, () -> fromElsewhere.get(10, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("not-pd-schedule"), e.getCause().getMessage());
        CompletableFuture<Void> queueFromElsewhere = CompletableFuture.runAsync(() -> queue.takeFor(1, Set.of()),
                runnable -> new Thread(runnable, "not-pd-schedule").start());
        assertThrows(ExecutionException.class, () -> queueFromElsewhere.get(10, TimeUnit.SECONDS));
        assertEquals(List.of(), hygiene.check(v, id -> Optional.empty(), operators), "the owner still can");
    }
}
