package io.rangekv.store.raft;

import io.rangekv.store.region.CommandApplier;
import io.rangekv.store.region.RegionState;

/**
 * What a region's state machine tells its owner. Called on the Raft library's apply thread: implementations do
 * bounded work and never block on another region.
 */
public interface ApplyListener {
    /** A run of entries reached the engine. */
    void onFlushed(CommandApplier.FlushOutcome outcome);

    /** A RaftSnapshot replaced the region's data and state. */
    void onSnapshotInstalled(RegionState state);

    void onLeaderStart();

    void onLeaderStop();

    /** A consistency-check hash asked for by a ComputeHash entry is ready (on a snapshot thread). */
    void onHashComputed(io.rangekv.store.region.RegionHash hash);

    /** Applying failed; the replica has stopped and must not serve. */
    void onFatal(Throwable cause);
}
