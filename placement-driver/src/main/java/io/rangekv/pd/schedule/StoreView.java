package io.rangekv.pd.schedule;

import io.rangekv.meta.StoreState;

import java.util.Set;

/**
 * A store as the schedulers see it: its observed state (UP, DISCONNECTED after a short silence, DOWN after
 * {@code schedule.max-store-down-time}) and the regions it reported hosting.
 */
public record StoreView(long storeId, StoreState state, Set<Long> hostedRegions) {
    public boolean isUp() {
        return state == StoreState.UP;
    }
}
