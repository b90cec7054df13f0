package io.rangekv.store.region;

import io.rangekv.meta.Region;

/**
 * What a store keeps about one hosted replica, stored in the engine under {@code Keys.regionState(regionId)} and
 * always written in the same batch as the data it covers: the region descriptor, the last applied log index, this
 * store's peer id in the region, and the region as it was at log index 0 ({@code initialRegion}), which is where a
 * replica replaying the log from its start begins. {@code mergingInto} is the target region's id while the replica
 * is frozen for a merge (0 otherwise).
 *
 * <p>Two start-up marks: {@code awaitingSnapshot} for a replica added to a running region, which owns no keys and
 * applies no log entry until it installs a RaftSnapshot that lists it; {@code seedPending} for a split child whose
 * seed RaftSnapshot (the data it inherits) is not written yet.
 */
public record RegionState(Region region, long appliedIndex, long peerId, boolean tombstone, Region initialRegion,
                          long mergingInto, boolean awaitingSnapshot, boolean seedPending) {
    public RegionState(Region region, long appliedIndex, long peerId, boolean tombstone, Region initialRegion) {
        this(region, appliedIndex, peerId, tombstone, initialRegion, 0, false, false);
    }

    /**
     * A replica that has applied nothing yet and replays the log from its start: one of the first region's voters
     * at bootstrap (the only replicas whose log begins at index 1 on every member).
     */
    public static RegionState fresh(Region initialRegion, long peerId) {
        return new RegionState(initialRegion, 0, peerId, false, initialRegion);
    }

    /**
     * A replica added to a running region: it holds nothing and waits for a RaftSnapshot taken at or after the
     * change that added it. {@code known} is the region as the PD described it, kept only to name the replica.
     */
    public static RegionState added(Region known, long peerId) {
        return new RegionState(known, 0, peerId, false, known, 0, true, false);
    }

    /** A split child as the split's batch records it: its seed RaftSnapshot comes before its group starts. */
    public static RegionState splitChild(Region child, long peerId) {
        return new RegionState(child, 0, peerId, false, child, 0, false, true);
    }

    public RegionState withApplied(Region newRegion, long newAppliedIndex) {
        return new RegionState(newRegion, newAppliedIndex, peerId, tombstone, initialRegion, mergingInto,
                awaitingSnapshot, seedPending);
    }

    public RegionState withMergingInto(Region newRegion, long targetRegionId) {
        return new RegionState(newRegion, appliedIndex, peerId, tombstone, initialRegion, targetRegionId,
                awaitingSnapshot, seedPending);
    }

    /** The state after the seed RaftSnapshot at {@code seedIndex} is written and recorded. */
    public RegionState seeded(long seedIndex) {
        return new RegionState(region, seedIndex, peerId, tombstone, initialRegion, mergingInto, false, false);
    }

    /** This state with the seed mark cleared and nothing else changed (the seed exists; its install is to come). */
    public RegionState seedWritten() {
        return new RegionState(region, appliedIndex, peerId, tombstone, initialRegion, mergingInto, false, false);
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
