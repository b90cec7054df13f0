package io.rangekv.pd.schedule;

import io.rangekv.meta.Peer;
import io.rangekv.meta.StoreState;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;

/**
 * Keeps every region at its replica count: a replica on a DOWN, removed (TOMBSTONE) or draining (OFFLINE) store is
 * re-created elsewhere before the old one is dropped; a region with too few voters gains one; a learner left behind (an operator lost in a PD
 * failover) is promoted; a region with too many voters loses one on the busiest store. Pure: view in, operators out.
 */
public final class ReplicaChecker {
    private ReplicaChecker() {
    }

    public static List<Operator> check(ClusterView view, LongPredicate busy, LongSupplier peerIds,
                                       LongSupplier operatorIds, long now) {
        List<Operator> out = new ArrayList<>();
        for (RegionView region : view.regions()) {
            if (busy.test(region.regionId())) {
                continue;
            }
            check(view, region, peerIds, operatorIds, now).ifPresent(out::add);
        }
        return out;
    }

    private static Optional<Operator> check(ClusterView view, RegionView region, LongSupplier peerIds,
                                            LongSupplier operatorIds, long now) {
        List<Peer> peers = region.region().peers();
        Optional<Peer> dead = peers.stream().filter(p -> isGone(view.state(p.storeId()))).findFirst();
        if (dead.isPresent()) {
            Optional<Long> target = view.bestStoreFor(region);
            if (target.isEmpty()) {
                return Optional.empty(); // nowhere to put a new replica yet; keep the dead one counted
            }
            Peer learner = Peer.learner(peerIds.getAsLong(), target.get());
            return Optional.of(new Operator(operatorIds.getAsLong(), region.regionId(), Operator.REPAIR,
                    "store " + dead.get().storeId() + " is " + view.state(dead.get().storeId()),
                    List.of(new Step.AddLearner(learner), new Step.PromoteLearner(learner.peerId()),
                            new Step.RemovePeer(dead.get().storeId())), now));
        }
        Optional<Peer> strayLearner = peers.stream().filter(p -> !p.isVoter()).findFirst();
        if (strayLearner.isPresent()) {
            // Through the add-learner step again: its store is told to create the replica if it does not run it (an
            // operator cancelled while the store was cut off never had it created: the chaos suite's region 93 kept
            // such a learner to the end), and the promotion waits for its data.
            return Optional.of(new Operator(operatorIds.getAsLong(), region.regionId(), "promote-learner",
                    "learner " + strayLearner.get().peerId() + " has no operator",
                    List.of(new Step.AddLearner(strayLearner.get()), new Step.PromoteLearner(
                            strayLearner.get().peerId())), now));
        }
        int voters = region.region().voters().size();
        if (voters < view.maxReplicas()) {
            Optional<Long> target = view.bestStoreFor(region);
            if (target.isEmpty()) {
                return Optional.empty();
            }
            Peer learner = Peer.learner(peerIds.getAsLong(), target.get());
            return Optional.of(new Operator(operatorIds.getAsLong(), region.regionId(), "add-replica",
                    voters + " voters < " + view.maxReplicas(),
                    List.of(new Step.AddLearner(learner), new Step.PromoteLearner(learner.peerId())), now));
        }
        if (voters > view.maxReplicas()) {
            var counts = view.regionCounts();
            Peer victim = region.region().voters().stream()
                    .max(Comparator.comparingLong((Peer p) -> counts.getOrDefault(p.storeId(), 0L))
                            .thenComparingLong(Peer::storeId)).orElseThrow();
            return Optional.of(new Operator(operatorIds.getAsLong(), region.regionId(), "remove-replica",
                    voters + " voters > " + view.maxReplicas(), List.of(new Step.RemovePeer(victim.storeId())),
                    now));
        }
        return Optional.empty();
    }

    /** Replicas to re-create elsewhere: on dead or removed stores, and on stores being drained (OFFLINE). */
    private static boolean isGone(StoreState state) {
        return state == StoreState.DOWN || state == StoreState.TOMBSTONE || state == StoreState.OFFLINE;
    }
}
