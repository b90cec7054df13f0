package io.rangekv.pd.schedule;

import io.rangekv.meta.StoreState;

import java.util.Map;
import java.util.Set;

/**
 * A store as the schedulers see it: its observed state (UP, DISCONNECTED after a short silence, DOWN after
 * {@code schedule.max-store-down-time}), the regions it reported hosting, those of them it reported frozen for
 * a merge, the peer id of each hosted replica, and those that stopped for good (failed).
 */
public record StoreView(long storeId, StoreState state, Set<Long> hostedRegions, Set<Long> frozenRegions,
                        Map<Long, Long> hostedPeers, Set<Long> failedRegions) {
    public StoreView {
        hostedRegions = Set.copyOf(hostedRegions);
        frozenRegions = Set.copyOf(frozenRegions);
        hostedPeers = Map.copyOf(hostedPeers);
        failedRegions = Set.copyOf(failedRegions);
    }

    public StoreView(long storeId, StoreState state, Set<Long> hostedRegions, Set<Long> frozenRegions,
                     Map<Long, Long> hostedPeers) {
        this(storeId, state, hostedRegions, frozenRegions, hostedPeers, Set.of());
    }

    public StoreView(long storeId, StoreState state, Set<Long> hostedRegions, Set<Long> frozenRegions) {
        this(storeId, state, hostedRegions, frozenRegions, Map.of());
    }

    public StoreView(long storeId, StoreState state, Set<Long> hostedRegions) {
        this(storeId, state, hostedRegions, Set.of(), Map.of());
    }

    /** The peer id of the store's replica of the region, when the store reported it. */
    public java.util.Optional<Long> hostedPeer(long regionId) {
        return java.util.Optional.ofNullable(hostedPeers.get(regionId));
    }

    public boolean isUp() {
        return state == StoreState.UP;
    }
}
