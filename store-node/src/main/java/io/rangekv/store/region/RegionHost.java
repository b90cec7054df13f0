package io.rangekv.store.region;

/**
 * What a replica asks of the store that hosts it when its region changes shape. Called on the replica's apply
 * thread: implementations hand the work to a store executor and return at once.
 */
public interface RegionHost {
    /**
     * A split at {@code splitIndex} of the parent created {@code child} on this store: start its Raft group. With
     * {@code campaign} (this store's parent replica led the parent when it applied the split) the child's replica
     * campaigns at once instead of waiting out an election timeout.
     */
    void startSplitChild(long parentRegionId, long splitIndex, RegionState child, boolean campaign);

    /** A replica reached {@code appliedIndex}: split children waiting for it may start. */
    void applied(long regionId, long appliedIndex);

    /** This replica was removed from its region: stop it and forget it. */
    void retire(RegionPeer peer);

    /** The region was merged into another hosted here: stop its replica and forget it, keeping its data. */
    void retireMerged(long sourceRegionId);

    /**
     * Stops, before returning, the replicas of regions that a RaftSnapshot about to be installed supersedes (they
     * overlap it with an older or equal version: a merge source whose merge this store learns by snapshot).
     */
    void retireSuperseded(java.util.List<Long> regionIds);

    /** All regions hosted here whose range meets the given one, for EpochNotMatch replies. */
    java.util.List<io.rangekv.meta.Region> regionsOverlapping(io.rangekv.meta.KeyRange range);
}
