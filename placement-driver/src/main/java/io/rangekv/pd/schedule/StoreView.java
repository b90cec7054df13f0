package io.rangekv.pd.schedule;

import io.rangekv.meta.StoreState;

import java.util.Set;

/**
 * A store as the schedulers see it: its observed state (UP, DISCONNECTED after a short silence, DOWN after
 * {@code schedule.max-store-down-time}), the regions it reported hosting, and those of them it reported frozen for
 * a merge.
 */
public record StoreView(long storeId, StoreState state, Set<Long> hostedRegions, Set<Long> frozenRegions) {
    public StoreView {
        hostedRegions = Set.copyOf(hostedRegions);
        frozenRegions = Set.copyOf(frozenRegions);
    }

    public StoreView(long storeId, StoreState state, Set<Long> hostedRegions) {
        this(storeId, state, hostedRegions, Set.of());
    }

    public boolean isUp() {
        return state == StoreState.UP;
    }
}
