package io.rangekv.pd.schedule;

import io.rangekv.meta.Peer;
import io.rangekv.meta.StoreState;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Everything a scheduling decision may look at, frozen at one instant: stores, regions with leaders, and the
 * replica target. Schedulers are pure functions of it, so they are tested with hand-made views, no time, no sockets.
 */
public record ClusterView(Map<Long, StoreView> stores, List<RegionView> regions, int maxReplicas) {
    public ClusterView {
        stores = Map.copyOf(stores);
        regions = List.copyOf(regions);
    }

    public static ClusterView of(List<StoreView> stores, List<RegionView> regions, int maxReplicas) {
        return new ClusterView(stores.stream().collect(Collectors.toMap(StoreView::storeId, Function.identity())),
                regions, maxReplicas);
    }

    public StoreState state(long storeId) {
        StoreView s = stores.get(storeId);
        return s == null ? StoreState.TOMBSTONE : s.state();
    }

    /** Stores that may receive a replica or a leader: UP. */
    public List<StoreView> upStores() {
        return stores.values().stream().filter(StoreView::isUp)
                .sorted(Comparator.comparingLong(StoreView::storeId)).toList();
    }

    /** Replicas (any role) on each store, counted from the region descriptors. */
    public Map<Long, Long> regionCounts() {
        Map<Long, Long> counts = new java.util.TreeMap<>();
        stores.keySet().forEach(id -> counts.put(id, 0L));
        for (RegionView r : regions) {
            for (Peer p : r.region().peers()) {
                counts.merge(p.storeId(), 1L, Long::sum);
            }
        }
        return counts;
    }

    /** Leaders on each store, from the latest region heartbeats. */
    public Map<Long, Long> leaderCounts() {
        Map<Long, Long> counts = new java.util.TreeMap<>();
        stores.keySet().forEach(id -> counts.put(id, 0L));
        regions.forEach(r -> r.leader().ifPresent(l -> counts.merge(l.storeId(), 1L, Long::sum)));
        return counts;
    }

    /**
     * True when the store still runs a replica of the region that the region no longer lists (removed, not yet
     * destroyed). A new replica there would share the Raft address of the old one: wait until it is gone.
     */
    public boolean hostsOldReplica(long storeId, RegionView region) {
        StoreView store = stores.get(storeId);
        return store != null && store.hostedRegions().contains(region.regionId())
                && region.region().peerOnStore(storeId).isEmpty();
    }

    /**
     * The UP store with the fewest replicas that holds none of {@code region}'s, for a new replica (ties: lowest
     * id, so decisions are repeatable).
     */
    public Optional<Long> bestStoreFor(RegionView region) {
        Map<Long, Long> counts = regionCounts();
        return upStores().stream().map(StoreView::storeId)
                .filter(id -> region.region().peerOnStore(id).isEmpty() && !hostsOldReplica(id, region))
                .min(Comparator.comparingLong((Long id) -> counts.get(id)).thenComparingLong(id -> id));
    }
}
