package io.rangekv.store.region;

import java.util.List;

/**
 * The replicas a store hosts, remembered durably and apart from the engine: for a memory engine, the only record
 * of them across a restart. Each entry holds the replica's fresh state (initial descriptor and peer id); a split
 * child also names its parent and the log index of the split.
 *
 * <p>Thread-safe; writes are durable when they return.
 */
public interface RegionCatalog {
    record Entry(RegionState fresh, long parentRegionId, long parentIndex) {
        public long regionId() {
            return fresh.region().regionId();
        }

        public boolean isSplitChild() {
            return parentRegionId != 0;
        }
    }

    void remember(Entry entry);

    void forget(long regionId);

    List<Entry> recall();
}
