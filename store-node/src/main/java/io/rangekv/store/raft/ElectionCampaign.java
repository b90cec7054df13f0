package io.rangekv.store.raft;

import com.alipay.sofa.jraft.Node;

/**
 * A split child's replica on the store whose parent replica led the parent when the split applied: it campaigns
 * after a heartbeat interval instead of an election timeout, and goes back to the configured timeout as soon as the
 * group has a leader (itself, or another replica that got there first). Without it every split left the child's keys
 * unwritable for a full election timeout, 2–3 s by default (bench/results/2026-12-03-bbe24fd-compare/NOTES.md: a
 * 2 s stall to 0 ops/s at each split).
 *
 * <p>Why only that replica: it alone shortens its timer, so the other replicas, on the configured timeout, never
 * race it. Why the parent's leader: it applies the split first (a leader applies an entry as soon as it commits;
 * followers hear of the commit a round trip later), so its child replica is usually the first one up, and clients
 * that were writing to the parent's leader find the child's leader on the same store. JRaft 1.3.15 has no public
 * "campaign now" call, so a short election timer is the campaign (see {@link JraftOptions#startCampaign}).
 *
 * <p><b>Concurrency</b>: {@link #start()} runs on the thread starting the group, {@link #leaderKnown()} on the
 * group's FSM thread, possibly first (a leader elected before this store started its replica is heard at once);
 * the lock makes the end final either way, so the timer is never left short.
 * <p><b>Failure</b>: if the campaign never wins (the other replicas do not start, or a partition), the short timer
 * keeps sending pre-votes, which move no term until a majority would vote for it; the first leader heard ends it.
 */
final class ElectionCampaign {
    private final Node node;
    private final RaftConfig config;
    /** Both guarded by {@code this}. */
    private boolean started;
    private boolean over;

    ElectionCampaign(Node node, RaftConfig config) {
        this.node = node;
        this.config = config;
    }

    /** Shortens the node's election timer, unless the group already has a leader. Call after the node's init. */
    synchronized void start() {
        if (!over) {
            JraftOptions.startCampaign(node, config);
            started = true;
        }
    }

    /** The group has a leader: the configured election timeout applies from now on. */
    synchronized void leaderKnown() {
        if (over) {
            return;
        }
        over = true;
        if (started) {
            JraftOptions.endCampaign(node, config);
        }
    }
}
