package io.rangekv.store.region;

import io.rangekv.meta.Region;

/**
 * What a store keeps about one hosted replica, stored in the engine under {@code Keys.regionState(regionId)} and
 * always written in the same batch as the data it covers: the region descriptor, the last applied log index, this
 * store's peer id in the region, and the region as it was at log index 0 ({@code initialRegion}), which is where a
 * replica replaying the log from its start begins. {@code mergingInto} is the target region's id while the replica
 * is frozen for a merge (0 otherwise).
 */
public record RegionState(Region region, long appliedIndex, long peerId, boolean tombstone, Region initialRegion,
                          long mergingInto) {
    public RegionState(Region region, long appliedIndex, long peerId, boolean tombstone, Region initialRegion) {
        this(region, appliedIndex, peerId, tombstone, initialRegion, 0);
    }

    /** A replica that has applied nothing yet: it starts from the region's initial descriptor. */
    public static RegionState fresh(Region initialRegion, long peerId) {
        return new RegionState(initialRegion, 0, peerId, false, initialRegion);
    }

    public RegionState withApplied(Region newRegion, long newAppliedIndex) {
        return new RegionState(newRegion, newAppliedIndex, peerId, tombstone, initialRegion, mergingInto);
    }

    public RegionState withMergingInto(Region newRegion, long targetRegionId) {
        return new RegionState(newRegion, appliedIndex, peerId, tombstone, initialRegion, targetRegionId);
    }

    /** True while frozen by PrepareMerge: no data command and no shape change applies. */
    public boolean isMerging() {
        return mergingInto != 0;
    }

    /** True when this replica's peer is in the region as of {@link #region()}. */
    public boolean isMember() {
        return region.peer(peerId).isPresent();
    }
}
