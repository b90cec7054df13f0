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

    /**
     * One leader transfer from a store leading more than {@code tolerance} above another: from the store leading
     * most (then the next) to the region's voter whose store leads fewest. The store leading least overall may
     * share no region with the one leading most, so the target is chosen per region, never globally.
     */
    public static Optional<Operator> balanceLeaders(ClusterView view, LongPredicate busy, long tolerance,
                                                    LongSupplier operatorIds, long now) {
        Map<Long, Long> counts = view.leaderCounts();
        List<Long> up = view.upStores().stream().map(StoreView::storeId)
                .sorted(Comparator.comparingLong((Long id) -> -counts.get(id)).thenComparingLong(id -> id)).toList();
        if (up.size() < 2) {
            return Optional.empty();
        }
        long fewest = counts.get(up.get(up.size() - 1));
        for (long source : up) {
            if (counts.get(source) - fewest <= tolerance) {
                break;
            }
            // The coldest leader moves: hot ones are the hot-region scheduler's, and moving them costs the most.
            List<RegionView> led = view.regions().stream()
                    .filter(r -> r.ledBy(source) && !busy.test(r.regionId()))
                    .sorted(Comparator.comparingDouble(RegionView::keysPerSec).thenComparingLong(RegionView::regionId))
                    .toList();
            for (RegionView r : led) {
                Optional<Long> target = r.leaderCandidateStores().stream()
                        .filter(id -> id != source && counts.containsKey(id) && up.contains(id))
                        .min(Comparator.comparingLong((Long id) -> counts.get(id)).thenComparingLong(id -> id))
                        .filter(id -> counts.get(source) - counts.get(id) > tolerance);
                if (target.isPresent()) {
                    return Optional.of(new Operator(operatorIds.getAsLong(), r.regionId(), "balance-leader",
                            "store " + source + " leads " + counts.get(source) + ", store " + target.get() + " "
                                    + counts.get(target.get()), List.of(new Step.TransferLeader(target.get())), now));
                }
            }
        }
        return Optional.empty();
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
