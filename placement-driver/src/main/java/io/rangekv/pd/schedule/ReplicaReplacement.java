package io.rangekv.pd.schedule;

import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;

/**
 * Replaces one replica that can no longer be trusted or used — its data diverged (the consistency check), or it
 * stopped for good (an apply failure, a Raft error such as a full disk) — while the store itself is UP: a new replica
 * on the spare UP store with the fewest replicas first, then the bad one removed; with no spare store, the bad one
 * removed first (its store destroys it as a stray), then added again on its store, where it starts from a
 * RaftSnapshot. Pure functions of the view.
 */
public final class ReplicaReplacement {
    public static final String FAILED_KIND = "repair-failed";

    private ReplicaReplacement() {
    }

    /** The operator replacing the region's replica on {@code badStore}. */
    public static Operator of(ClusterView view, Region region, long badStore, LongSupplier peerIds, long operatorId,
                              String kind, String why, long now) {
        Map<Long, Long> counts = view.regionCounts();
        Optional<Long> spare = view.upStores().stream().map(StoreView::storeId)
                .filter(id -> region.peerOnStore(id).isEmpty())
                .min(Comparator.comparingLong((Long id) -> counts.getOrDefault(id, 0L)).thenComparing(id -> id));
        if (spare.isPresent()) {
            Peer learner = Peer.learner(peerIds.getAsLong(), spare.get());
            return new Operator(operatorId, region.regionId(), kind, why + "; replaced on store " + spare.get(),
                    List.of(new Step.AddLearner(learner), new Step.PromoteLearner(learner.peerId()),
                            new Step.RemovePeer(badStore)), now);
        }
        Peer learner = Peer.learner(peerIds.getAsLong(), badStore);
        return new Operator(operatorId, region.regionId(), kind, why + "; re-made there from a RaftSnapshot",
                List.of(new Step.RemovePeer(badStore), new Step.AddLearner(learner),
                        new Step.PromoteLearner(learner.peerId())), now);
    }

    /**
     * One operator for each region (not {@code busy}) with a replica its UP store reports failed, where that replica
     * is still the region's peer on that store. A failed replica never recovers by itself: before this, a replica
     * stopped by a full disk stayed dead after the space came back, and its range could lose its quorum (the chaos
     * suite, seed 20261207).
     */
    public static List<Operator> forFailed(ClusterView view, LongPredicate busy, LongSupplier peerIds,
                                           LongSupplier operatorIds, long now) {
        List<Operator> out = new ArrayList<>();
        for (RegionView r : view.regions()) {
            if (busy.test(r.regionId())) {
                continue;
            }
            for (StoreView store : view.upStores()) {
                Optional<Peer> peer = r.region().peerOnStore(store.storeId());
                boolean failedHere = store.failedRegions().contains(r.regionId()) && peer.isPresent()
                        && store.hostedPeer(r.regionId()).map(id -> id == peer.get().peerId()).orElse(true);
                if (failedHere) {
                    out.add(of(view, r.region(), store.storeId(), peerIds, operatorIds.getAsLong(), FAILED_KIND,
                            "replica " + peer.get().peerId() + " on store " + store.storeId() + " failed", now));
                    break;
                }
            }
        }
        return out;
    }
}
