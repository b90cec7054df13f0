package io.rangekv.store.raft;

import com.alipay.sofa.jraft.JRaftServiceFactory;
import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.StateMachine;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.option.ReadOnlyOption;

import java.nio.file.Path;

/**
 * Translates {@link RaftConfig} into the library's node options: the one place that knows the library's knobs.
 * The settings follow JRAFT-NOTES: shared timers (per-node timers burn a core at 30 groups), small Disruptor rings
 * (the default preallocates ~2.9 MB per replica), synced term/vote (the library does not sync them by default).
 */
final class JraftOptions {
    /**
     * The library's own default random delay added to every election timeout (so that followers of a dead leader
     * do not all campaign at once), named here because a campaigning node lowers it and must put it back.
     */
    private static final int ELECTION_JITTER_MS = 1000;
    /**
     * The shortest campaign timeout. The other replicas start their child a little after this one (they apply the
     * split a round trip later, then seed the group); a much earlier pre-vote would mostly find them absent and retry.
     */
    private static final int MIN_CAMPAIGN_TIMEOUT_MS = 150;

    private JraftOptions() {
    }

    static NodeOptions nodeOptions(RaftConfig config, Path groupDir, StateMachine fsm, Configuration initialConf,
                                   JRaftServiceFactory serviceFactory,
                                   com.alipay.sofa.jraft.storage.SnapshotThrottle snapshotThrottle) {
        NodeOptions options = new NodeOptions();
        options.setElectionTimeoutMs(electionTimeoutMs(config));
        options.setFsm(fsm);
        options.setInitialConf(initialConf);
        options.setLogUri(groupDir.resolve("log").toString());
        options.setRaftMetaUri(groupDir.resolve("meta").toString());
        options.setSnapshotUri(groupDir.resolve("snapshot").toString());
        options.setSnapshotIntervalSecs((int) Math.min(Integer.MAX_VALUE, config.snapshotInterval().toSeconds()));
        options.setSharedElectionTimer(true);
        options.setSharedVoteTimer(true);
        options.setSharedStepDownTimer(true);
        options.setSharedSnapshotTimer(true);
        options.setSharedTimerPool(true);
        options.setCliRpcThreadPoolSize(1);
        options.setRaftRpcThreadPoolSize(3);
        options.setEnableMetrics(false);
        if (snapshotThrottle != null) {
            options.setSnapshotThrottle(snapshotThrottle);
        }
        if (serviceFactory != null) {
            options.setServiceFactory(serviceFactory);
        }
        RaftOptions raft = new RaftOptions();
        raft.setSync(config.logSync());
        raft.setSyncMeta(true);
        raft.setMaxElectionDelayMs(ELECTION_JITTER_MS);
        raft.setDisruptorBufferSize(1024);
        raft.setMaxReplicatorInflightMsgs(config.maxInflightAppends());
        raft.setReadOnlyOptions(ReadOnlyOption.ReadOnlySafe);
        options.setRaftOptions(raft);
        return options;
    }

    /**
     * Makes a freshly started node campaign soon: its election timer fires after one heartbeat interval (a tenth of
     * the configured timeout, at least {@value #MIN_CAMPAIGN_TIMEOUT_MS} ms, with half that as jitter) instead of the
     * configured timeout plus up to a second. Call it right after {@code init}: the node's vote and step-down timers
     * were sized at init from the configured timeout and stay so; only the election timer is shortened.
     *
     * <p>The jitter is changed on the node's live {@link RaftOptions}: JRaft 1.3.15 reads it each time it schedules
     * an election timeout ({@code NodeImpl#randomTimeout}), and {@code resetElectionTimeoutMs} reschedules under
     * the timer's lock, after this write. Were a later library version to copy the options, the campaign would
     * only be slower by the default jitter.
     */
    static void startCampaign(Node node, RaftConfig config) {
        int timeoutMs = campaignTimeoutMs(config);
        node.getRaftOptions().setMaxElectionDelayMs(Math.max(1, timeoutMs / 2));
        node.resetElectionTimeoutMs(timeoutMs);
    }

    /** Puts a campaigning node's election timer back to the configured timeout and jitter. */
    static void endCampaign(Node node, RaftConfig config) {
        node.getRaftOptions().setMaxElectionDelayMs(ELECTION_JITTER_MS);
        node.resetElectionTimeoutMs(electionTimeoutMs(config));
    }

    static int campaignTimeoutMs(RaftConfig config) {
        int configured = electionTimeoutMs(config);
        return Math.min(configured, Math.max(MIN_CAMPAIGN_TIMEOUT_MS, configured / 10));
    }

    private static int electionTimeoutMs(RaftConfig config) {
        return (int) config.electionTimeout().toMillis();
    }
}
