package io.rangekv.store.region;

/** Counters a replica's state machine keeps, for status calls and tests. */
public interface ApplyStats {
    long appliedIndex();

    /** The applied index recorded in the engine when the replica started. */
    long appliedIndexAtStart();

    /** Entries the Raft library delivered again after a restart that were at or below the recorded index. */
    long replayedEntriesSkipped();

    long entriesAppliedSinceStart();

    /** The lowest log index applied since start, or 0 when none was. */
    long firstIndexAppliedSinceStart();

    /** RaftSnapshots installed since start (a lagging or new replica catching up). */
    long snapshotsInstalled();
}
