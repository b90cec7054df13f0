package io.rangekv.pd.schedule;

import io.rangekv.meta.Peer;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;

/**
 * Evens out leaders and replicas across UP stores, one operator at a time per kind: when the busiest store has more
 * than {@code tolerance} above the idlest, move one leader (or one replica) from it to there. New stores thus take
 * their share. Pure: view in, operators out. Runs only when no region is missing replicas (repair comes first).
 */
public final class BalanceScheduler {
    private BalanceScheduler() {
    }

    public static Optional<Operator> balanceLeaders(ClusterView view, LongPredicate busy, long tolerance,
                                                    LongSupplier operatorIds, long now) {
        Map<Long, Long> counts = view.leaderCounts();
        List<Long> up = view.upStores().stream().map(StoreView::storeId).toList();
        if (up.size() < 2) {
            return Optional.empty();
        }
        long most = up.stream().max(Comparator.comparingLong((Long id) -> counts.get(id)).thenComparingLong(id -> -id))
                .orElseThrow();
        long least = up.stream().min(Comparator.comparingLong((Long id) -> counts.get(id)).thenComparingLong(id -> id))
                .orElseThrow();
        if (counts.get(most) - counts.get(least) <= tolerance) {
            return Optional.empty();
        }
        // The coldest leader moves: hot ones are the hot-region scheduler's, and moving them costs the most.
        return view.regions().stream()
                .filter(r -> r.ledBy(most) && !busy.test(r.regionId()))
                .filter(r -> r.region().peerOnStore(least).filter(Peer::isVoter).isPresent())
                .min(Comparator.comparingDouble(RegionView::keysPerSec).thenComparingLong(RegionView::regionId))
                .map(r -> new Operator(operatorIds.getAsLong(), r.regionId(), "balance-leader",
                        "store " + most + " leads " + counts.get(most) + ", store " + least + " " + counts.get(least),
                        List.of(new Step.TransferLeader(least)), now));
    }

    public static Optional<Operator> balanceRegions(ClusterView view, LongPredicate busy, long tolerance,
                                                    LongSupplier peerIds, LongSupplier operatorIds, long now) {
        Map<Long, Long> counts = view.regionCounts();
        List<Long> up = view.upStores().stream().map(StoreView::storeId).toList();
        if (up.size() < 2) {
            return Optional.empty();
        }
        long most = up.stream().max(Comparator.comparingLong((Long id) -> counts.get(id)).thenComparingLong(id -> -id))
                .orElseThrow();
        long least = up.stream().min(Comparator.comparingLong((Long id) -> counts.get(id)).thenComparingLong(id -> id))
                .orElseThrow();
        if (counts.get(most) - counts.get(least) <= tolerance) {
            return Optional.empty();
        }
        // Prefer a region the busiest store does not lead: no leader transfer needed before the removal.
        Optional<RegionView> candidate = view.regions().stream()
                .filter(r -> !busy.test(r.regionId()))
                .filter(r -> r.region().peerOnStore(most).isPresent() && r.region().peerOnStore(least).isEmpty()
                        && !view.hostsOldReplica(least, r))
                .filter(r -> r.region().peers().stream().allMatch(p -> view.state(p.storeId())
                        == io.rangekv.meta.StoreState.UP))
                .min(Comparator.comparing((RegionView r) -> r.ledBy(most)).thenComparingLong(RegionView::regionId));
        return candidate.map(r -> {
            Peer learner = Peer.learner(peerIds.getAsLong(), least);
            return new Operator(operatorIds.getAsLong(), r.regionId(), "balance-region",
                    "store " + most + " holds " + counts.get(most) + " replicas, store " + least + " "
                            + counts.get(least),
                    List.of(new Step.AddLearner(learner), new Step.PromoteLearner(learner.peerId()),
                            new Step.RemovePeer(most)), now);
        });
    }
}
