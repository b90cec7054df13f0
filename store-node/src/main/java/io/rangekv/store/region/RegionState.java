package io.rangekv.store.region;

import io.rangekv.meta.Region;

/**
 * What a store keeps about one hosted replica, stored in the engine under {@code Keys.regionState(regionId)} and
 * always written in the same batch as the data it covers: the region descriptor, the last applied log index, and
 * this store's peer id in the region.
 */
public record RegionState(Region region, long appliedIndex, long peerId, boolean tombstone) {
    public RegionState withApplied(Region newRegion, long newAppliedIndex) {
        return new RegionState(newRegion, newAppliedIndex, peerId, tombstone);
    }
}
