package io.rangekv.pd.schedule;

import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.meta.StoreState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the PD compares the replicas' hashes of one check, and what it does about a replica that differs. */
class ConsistencyCheckerTest {
    private final DecisionThread thread = DecisionThread.callingThread();
    private final AtomicLong ids = new AtomicLong(100);
    private long now = TimeUnit.HOURS.toNanos(1);

    private static StoreView up(long id, long... regions) {
        Set<Long> hosted = new java.util.HashSet<>();
        for (long r : regions) {
            hosted.add(r);
        }
        return new StoreView(id, StoreState.UP, hosted);
    }

    /** Region {@code id} with voter peer id {@code 10 * id + store} on each store, led by the first. */
    private static RegionView region(long id, String start, String end, long... stores) {
        List<Peer> peers = new ArrayList<>();
        for (long s : stores) {
            peers.add(Peer.voter(10 * id + s, s));
        }
        Region r = new Region(id, new KeyRange(Key.of(start), Key.of(end)), new RegionEpoch(3, 2), peers);
        return new RegionView(r, Optional.of(peers.get(0)));
    }

    private static ClusterView view(List<StoreView> stores, RegionView... regions) {
        return ClusterView.of(stores, List.of(regions), 3);
    }

    private ConsistencyChecker.Round round(ConsistencyChecker checker, ClusterView view) {
        return checker.round(view, id -> false, id -> false, ids::incrementAndGet, ids::incrementAndGet, now);
    }

    private static void report(ConsistencyChecker checker, long regionId, long index, long... hashByStore) {
        for (int i = 0; i < hashByStore.length; i++) {
            long store = i + 1;
            checker.record(store, Map.of(regionId, new ConsistencyChecker.Report(store, 10 * regionId + store, index,
                    hashByStore[i])));
        }
    }

    @Test
    void replicasThatAgreeAreConsistentAndNothingIsDone() {
        ConsistencyChecker checker = new ConsistencyChecker(thread, Duration.ZERO);
        ClusterView view = view(List.of(up(1, 1), up(2, 1), up(3, 1)), region(1, "", "", 1, 2, 3));
        report(checker, 1, 20, 7, 7, 7);

        ConsistencyChecker.Round round = round(checker, view);

        ConsistencyChecker.Verdict verdict = checker.verdicts().get(0);
        assertTrue(verdict.consistent());
        assertEquals(20, verdict.index());
        assertEquals(Set.of(), verdict.divergedStores());
        assertEquals(List.of(), round.quarantines());
        assertEquals(List.of(), round.replacements());
    }

    @Test
    void aReplicaThatDiffersFromTheMajorityIsQuarantinedAndReplacedOnASpareStore() {
        ConsistencyChecker checker = new ConsistencyChecker(thread, Duration.ZERO);
        ClusterView view = view(List.of(up(1, 1), up(2, 1), up(3, 1), up(4)), region(1, "", "", 1, 2, 3));
        report(checker, 1, 20, 7, 9, 7);

        ConsistencyChecker.Round round = round(checker, view);

        ConsistencyChecker.Verdict verdict = checker.verdicts().get(0);
        assertFalse(verdict.consistent());
        assertEquals(Set.of(2L), verdict.divergedStores());
        StoreInstruction.QuarantineReplica q = assertInstanceOf(StoreInstruction.QuarantineReplica.class,
                round.quarantines().get(0));
        assertEquals(2, q.storeId());
        assertEquals(12, q.peerId());
        Operator replace = round.replacements().get(0);
        assertEquals(ConsistencyChecker.REPAIR_KIND, replace.kind());
        Step.AddLearner add = assertInstanceOf(Step.AddLearner.class, replace.steps().get(0));
        assertEquals(4, add.learner().storeId(), "the spare store gets the new replica first");
        assertInstanceOf(Step.PromoteLearner.class, replace.steps().get(1));
        assertEquals(new Step.RemovePeer(2), replace.steps().get(2));
    }

    @Test
    void withoutASpareStoreTheDivergedReplicaIsRemovedThenMadeAgainOnItsStore() {
        ConsistencyChecker checker = new ConsistencyChecker(thread, Duration.ZERO);
        ClusterView view = view(List.of(up(1, 1), up(2, 1), up(3, 1)), region(1, "", "", 1, 2, 3));
        report(checker, 1, 20, 7, 7, 9);

        Operator replace = round(checker, view).replacements().get(0);

        assertEquals(new Step.RemovePeer(3), replace.steps().get(0));
        Step.AddLearner add = assertInstanceOf(Step.AddLearner.class, replace.steps().get(1));
        assertEquals(3, add.learner().storeId());
        assertTrue(add.learner().peerId() != 13, "a new peer id");
    }

    @Test
    void noVerdictUntilEveryReplicaReportedTheSameCheck() {
        ConsistencyChecker checker = new ConsistencyChecker(thread, Duration.ZERO);
        ClusterView view = view(List.of(up(1, 1), up(2, 1), up(3, 1)), region(1, "", "", 1, 2, 3));
        report(checker, 1, 20, 7, 7, 7);
        round(checker, view);
        // The next check: two replicas have applied it, the third is still at the old one.
        checker.record(1, Map.of(1L, new ConsistencyChecker.Report(1, 11, 30, 8)));
        checker.record(2, Map.of(1L, new ConsistencyChecker.Report(2, 12, 30, 8)));

        ConsistencyChecker.Round round = round(checker, view);

        assertEquals(20, checker.verdicts().get(0).index(), "the last complete comparison stands");
        assertEquals(List.of(), round.quarantines());
    }

    @Test
    void twoReplicasThatDifferHaveNoMajorityAndNeitherIsTouched() {
        ConsistencyChecker checker = new ConsistencyChecker(thread, Duration.ZERO);
        ClusterView view = view(List.of(up(1, 1), up(2, 1)), region(1, "", "", 1, 2));
        report(checker, 1, 20, 7, 9);

        ConsistencyChecker.Round round = round(checker, view);

        assertFalse(checker.verdicts().get(0).consistent());
        assertEquals(Set.of(), checker.verdicts().get(0).divergedStores());
        assertEquals(List.of(), round.quarantines());
        assertEquals(List.of(), round.replacements());
    }

    @Test
    void askedRegionsAreCheckedAtOnceAndEveryRegionOncePerIntervalOneARound() {
        ConsistencyChecker checker = new ConsistencyChecker(thread, Duration.ofMinutes(10));
        ClusterView view = view(List.of(up(1, 1, 2), up(2, 1, 2), up(3, 1, 2)),
                region(1, "", "m", 1, 2, 3), region(2, "m", "", 1, 2, 3));
        checker.request(2);

        assertEquals(List.of(2L), round(checker, view).checks(), "the asked one; the others one interval from now");
        report(checker, 2, 20, 6, 6, 6);
        now += TimeUnit.MINUTES.toNanos(1);
        assertEquals(List.of(), round(checker, view).checks(), "nothing is due a minute later");
        now += TimeUnit.MINUTES.toNanos(10);
        assertEquals(List.of(1L), round(checker, view).checks(), "one region per round once the interval passed");
        assertEquals(List.of(2L), round(checker, view).checks(), "then the other");
        assertEquals(List.of(), round(checker, view).checks());
        now += TimeUnit.MINUTES.toNanos(5);
        assertEquals(List.of(), round(checker, view).checks(), "a periodic check with no answer waits its turn");
    }

    @Test
    void aCheckThatBringsNoVerdictIsAskedAgain() {
        ConsistencyChecker checker = new ConsistencyChecker(thread, Duration.ZERO);
        ClusterView view = view(List.of(up(1, 1), up(2, 1), up(3, 1)), region(1, "", "", 1, 2, 3));
        checker.request(1);
        assertEquals(List.of(1L), round(checker, view).checks());
        now += ConsistencyChecker.ANSWER_WITHIN.toNanos() - 1;
        assertEquals(List.of(), round(checker, view).checks(), "still within the time a check takes");
        now += 2;
        assertEquals(List.of(1L), round(checker, view).checks(), "no verdict in time: the leader is asked again");
        report(checker, 1, 40, 5, 5, 5);
        now += ConsistencyChecker.ANSWER_WITHIN.toNanos() + 1;
        round(checker, view);
        assertEquals(List.of(), round(checker, view).checks(), "answered: nothing more to ask");
    }

    @Test
    void aCallFromAnotherThreadFails() throws Exception {
        ConsistencyChecker checker = new ConsistencyChecker(thread, Duration.ZERO);
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread other = new Thread(() -> {
            try {
                checker.request(1);
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        other.start();
        other.join();
        assertInstanceOf(IllegalStateException.class, failure.get());
    }
}
