package io.rangekv.pd.schedule;

import io.rangekv.config.DataSize;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.meta.StoreState;
import io.rangekv.pd.PdConfig;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.time.Clock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Merge decisions and the merge operator's life, from hand-made views: no time, no sockets. */
class MergeSchedulingTest {
    private static final PdConfig.MergeConfig MERGE = new PdConfig.MergeConfig(true, DataSize.ofMegabytes(20),
            200_000, Duration.ofMinutes(10));
    private static final Duration OLD = Duration.ofHours(1);

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
    private final AtomicLong ids = new AtomicLong(100);

    private static Region region(long id, String start, String end, long version, long... stores) {
        List<Peer> peers = java.util.Arrays.stream(stores).mapToObj(s -> Peer.voter(id * 10 + s, s)).toList();
        return new Region(id, new KeyRange(Key.of(start), Key.of(end)), new RegionEpoch(1, version), peers);
    }

    private static RegionView view(Region r, long bytes) {
        return new RegionView(r, Optional.of(r.peers().get(0)), Set.of(), bytes, bytes / 100, 0);
    }

    private static ClusterView cluster(List<RegionView> regions, long... downStores) {
        List<StoreView> stores = new java.util.ArrayList<>();
        for (long s = 1; s <= 5; s++) {
            long id = s;
            boolean down = java.util.Arrays.stream(downStores).anyMatch(d -> d == id);
            stores.add(new StoreView(s, down ? StoreState.DOWN : StoreState.UP, Set.of()));
        }
        return ClusterView.of(stores, regions, 3);
    }

    private Optional<Operator> check(ClusterView view, Map<Long, Duration> ages) {
        return MergeChecker.check(view, MERGE, id -> false, id -> ages.getOrDefault(id, OLD), ids::incrementAndGet,
                ids::incrementAndGet, now);
    }

    @Test
    void aSmallRegionMergesIntoItsSmallerNeighbourAfterItsReplicasMoveThere() {
        Region a = region(1, "", "g", 3, 1, 2, 3);
        Region b = region(2, "g", "p", 3, 1, 2, 4);
        Region c = region(3, "p", "", 3, 1, 2, 3);
        ClusterView view = cluster(List.of(view(a, 50 << 20), view(b, 1_000), view(c, 2_000)));
        Operator op = check(view, Map.of()).orElseThrow();
        assertEquals(2, op.regionId(), "region 1 is too big; region 2 is the first small one");
        assertEquals(3, op.mergeTarget(), "its smaller eligible neighbour");
        List<Step> steps = op.steps();
        assertEquals(5, steps.size(), steps.toString());
        assertEquals(3, ((Step.AddLearner) steps.get(0)).learner().storeId(), "a replica onto the target's store 3");
        assertInstanceOf(Step.PromoteLearner.class, steps.get(1));
        assertEquals(new Step.RemovePeer(4), steps.get(2), "and off store 4, which the target lacks");
        assertEquals(new Step.PrepareMerge(3), steps.get(3));
        assertEquals(new Step.CommitMerge(3), steps.get(4));
    }

    @Test
    void noMergeRightAfterASplitNorWithAnUnhealthyNeighbour() {
        Region a = region(1, "", "g", 2, 1, 2, 3);
        Region b = region(2, "g", "", 2, 1, 2, 3);
        List<RegionView> regions = List.of(view(a, 0), view(b, 0));
        assertTrue(check(cluster(regions), Map.of(1L, Duration.ofMinutes(1), 2L, Duration.ofMinutes(1))).isEmpty(),
                "both just split: a merge would undo it");
        assertTrue(check(cluster(regions, 3), Map.of()).isEmpty(), "a replica on a DOWN store");
        Region withLearner = b.withPeers(List.of(Peer.voter(21, 1), Peer.voter(22, 2), Peer.learner(24, 4)),
                b.epoch());
        assertTrue(check(cluster(List.of(view(a, 0), view(withLearner, 0))), Map.of()).isEmpty(), "a learner");
        RegionView frozen = view(b, 0).withFrozenOn(Set.of(1L));
        assertTrue(check(cluster(List.of(view(a, 0), frozen)), Map.of()).isEmpty(), "already frozen");
        assertTrue(check(cluster(regions), Map.of()).isPresent(), "otherwise they merge");
    }

    @Test
    void regionsThatDoNotTouchNeverMerge() {
        Region a = region(1, "", "g", 2, 1, 2, 3);
        Region c = region(3, "p", "", 2, 1, 2, 3);
        assertTrue(check(cluster(List.of(view(a, 0), view(c, 0))), Map.of()).isEmpty(),
                "a gap between them (a region the PD has not heard of yet, mid-split)");
    }

    // ---- the operator's life ----

    private final OperatorController controller = new OperatorController(clock, 4, Duration.ofMinutes(1));
    private final Region source = region(2, "g", "", 3, 1, 2, 3);
    private final Region target = region(1, "", "g", 5, 1, 2, 3);

    private Operator mergeOperator() {
        return new Operator(controller.newOperatorId(), 2, "merge", "test",
                List.of(new Step.PrepareMerge(1), new Step.CommitMerge(1)), now);
    }

    private Optional<PdProto.RegionInstruction> report(Region r) {
        return controller.onRegionReport(new RegionView(r, Optional.of(r.peers().get(0))), null);
    }

    private void frozenOn(long... stores) {
        for (long s = 1; s <= 3; s++) {
            long store = s;
            boolean frozen = java.util.Arrays.stream(stores).anyMatch(x -> x == store);
            controller.onStoreReport(s, Set.of(1L, 2L), frozen ? Set.of(2L) : Set.of());
        }
    }

    @Test
    void theTargetCommitsOnlyOnceEveryReplicaIsFrozenThenTheOperatorEnds() {
        assertTrue(controller.admit(mergeOperator()));
        assertTrue(controller.hasOperator(1), "the target is taken too");
        assertTrue(report(source).orElseThrow().hasPrepareMerge());
        assertTrue(report(target).isEmpty(), "nothing for the target before the freeze");
        frozenOn(1, 2);
        assertTrue(report(source).orElseThrow().hasPrepareMerge(), "store 3 has not frozen yet");
        assertTrue(report(target).isEmpty());
        frozenOn(1, 2, 3);
        assertTrue(report(source).isEmpty(), "the source waits");
        PdProto.RegionInstruction commit = report(target).orElseThrow();
        assertTrue(commit.hasCommitMerge());
        assertEquals(1, commit.getRegionId());
        assertEquals(2, commit.getCommitMerge().getSource().getRegionId());
        assertEquals(5, commit.getEpoch().getVersion());

        now += Duration.ofMinutes(5).toNanos();
        assertTrue(controller.expire(Map.of()).isEmpty(), "a merge whose commit was sent never times out");
        assertTrue(controller.hasOperator(2));

        Region merged = target.withRange(KeyRange.ALL, new RegionEpoch(1, 6));
        assertTrue(report(merged).isEmpty());
        assertFalse(controller.hasOperator(1));
        Operator ended = controller.history().get(0);
        assertEquals(Operator.Status.SUCCEEDED, ended.status());
        assertTrue(ended.outcome().contains("merged into region 1"), ended.outcome());
    }

    /** The source is frozen everywhere and the target's leader was sent the commit at the target's epoch. */
    private PdProto.RegionInstruction commitSentAt(Region currentTarget) {
        assertTrue(controller.admit(mergeOperator()));
        report(source);
        frozenOn(1, 2, 3);
        PdProto.RegionInstruction commit = report(currentTarget).orElseThrow();
        assertTrue(commit.hasCommitMerge());
        return commit;
    }

    private void assertStillMergingWithNoRollback() {
        assertTrue(controller.hasOperator(2), "the merge operator still runs");
        assertTrue(controller.history().isEmpty(), "nothing ended: " + controller.history());
        assertTrue(report(source).isEmpty(), "the source is not thawed");
    }

    /**
     * A partitioned old leader of the target still reports the target as it was before its last membership change.
     * The commit, sent at the newer epoch, may be landing right now: thawing the source would leave two regions
     * serving its keys.
     */
    @Test
    void aStaleTargetReportNeverRollsBackASentCommit() {
        Region current = target.withPeers(target.peers(), new RegionEpoch(2, 5));
        PdProto.RegionInstruction commit = commitSentAt(current);
        assertEquals(2, commit.getEpoch().getConfVersion());

        assertTrue(report(target).isEmpty(), "a report older than the commit's epoch decides nothing");
        assertStillMergingWithNoRollback();
        PdProto.RegionInstruction again = report(current).orElseThrow();
        assertTrue(again.hasCommitMerge(), "the current leader is still asked to commit");
        assertEquals(commit.getEpoch(), again.getEpoch());
    }

    /**
     * The target's membership changed after the commit was sent (its store proposes the commit only at the epoch it
     * names, and applies it only there): the commit is sent again at the new epoch, never rolled back.
     */
    @Test
    void aTargetThatMovedOnAfterTheCommitWasSentIsAskedAgainAtItsNewEpoch() {
        commitSentAt(target);
        Region moved = target.withPeers(target.peers(), new RegionEpoch(2, 5));
        PdProto.RegionInstruction again = report(moved).orElseThrow();
        assertTrue(again.hasCommitMerge());
        assertEquals(2, again.getEpoch().getConfVersion(), "at the target's epoch now");
        assertStillMergingWithNoRollback();
        Region merged = moved.withRange(KeyRange.ALL, new RegionEpoch(2, 6));
        assertTrue(report(merged).isEmpty());
        assertEquals(Operator.Status.SUCCEEDED, controller.history().get(0).status());
    }

    /** A target that split after the commit was sent can no longer take the source: the merge holds, frozen. */
    @Test
    void aTargetThatSplitAfterTheCommitWasSentHoldsTheMergeFrozen() {
        commitSentAt(target);
        Region split = target.withRange(new KeyRange(Key.EMPTY, Key.of("c")), new RegionEpoch(1, 6));
        assertTrue(report(split).isEmpty(), "no commit to a region that does not border the source");
        assertStillMergingWithNoRollback();
        now += Duration.ofMinutes(5).toNanos();
        assertTrue(controller.expire(Map.of()).isEmpty(), "nor a timeout's rollback");
        assertStillMergingWithNoRollback();
    }

    /** Before any commit was sent, a target that no longer borders the source ends the merge and thaws it. */
    @Test
    void aTargetThatSplitBeforeTheCommitWasSentEndsTheMergeAndThawsTheSource() {
        controller.admit(mergeOperator());
        report(source);
        frozenOn(1, 2, 3);
        Region split = target.withRange(new KeyRange(Key.EMPTY, Key.of("c")), new RegionEpoch(1, 6));
        assertTrue(report(split).isEmpty(), "the commit could never apply: none is sent");
        assertEquals(Operator.Status.CANCELLED, controller.history().get(0).status());
        PdProto.RegionInstruction thaw = report(source).orElseThrow();
        assertTrue(thaw.hasRollbackMerge());
        frozenOn();
        assertTrue(report(source).isEmpty());
        assertFalse(controller.hasOperator(2), "the rollback is done once no store reports the source frozen");
    }

    @Test
    void aMergeStuckBeforeItsCommitTimesOutAndIsRolledBack() {
        controller.admit(mergeOperator());
        report(source);
        frozenOn(1, 2);
        now += Duration.ofMinutes(2).toNanos();
        List<Operator> rollbacks = controller.expire(Map.of());
        assertEquals(1, rollbacks.size());
        assertEquals(List.of(new Step.RollbackMerge()), rollbacks.get(0).steps());
        assertEquals(Operator.Status.TIMED_OUT, controller.history().get(0).status());
    }
}
