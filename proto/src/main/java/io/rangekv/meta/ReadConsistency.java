package io.rangekv.meta;

/** How fresh a read must be. Writes are always linearizable. */
public enum ReadConsistency {
    /** Linearizable: the leader confirms it still leads (ReadIndex) before reading. The default. */
    LINEARIZABLE,
    /** The leader reads within its lease without a round trip; linearizable unless clocks drift past the margin. */
    LEASE,
    /** Linearizable, served by any replica after it learns the leader's commit index (ReadIndex from a follower). */
    FOLLOWER,
    /** Whatever this replica has applied; may miss recent writes. */
    STALE
}
