package io.rangekv.meta;

/** A voter counts towards quorum; a learner receives the log but does not vote. */
public enum PeerRole {
    VOTER,
    LEARNER
}
