package io.rangekv.store.region;

/**
 * What a replica asks of the store that hosts it when its region changes shape. Called on the replica's apply
 * thread: implementations hand the work to a store executor and return at once.
 */
public interface RegionHost {
    /** A split created {@code child} on this store: start its Raft group. */
    void startSplitChild(RegionState child);

    /** This replica was removed from its region: stop it and forget it. */
    void retire(RegionPeer peer);

    /** All regions hosted here whose range meets the given one, for EpochNotMatch replies. */
    java.util.List<io.rangekv.meta.Region> regionsOverlapping(io.rangekv.meta.KeyRange range);
}
