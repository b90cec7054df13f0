package io.rangekv.pd.raft;

/** Told when this PD member starts leading (after applying every earlier entry) or stops. */
public interface PdLeaderListener {
    void onLeaderStart(long term);

    void onLeaderStop();
}
