package io.rangekv.store.raft;

import com.alipay.sofa.jraft.JRaftServiceFactory;
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
    private JraftOptions() {
    }

    static NodeOptions nodeOptions(RaftConfig config, Path groupDir, StateMachine fsm, Configuration initialConf,
                                   JRaftServiceFactory serviceFactory,
                                   com.alipay.sofa.jraft.storage.SnapshotThrottle snapshotThrottle) {
        NodeOptions options = new NodeOptions();
        options.setElectionTimeoutMs((int) config.electionTimeout().toMillis());
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
        raft.setDisruptorBufferSize(1024);
        raft.setMaxReplicatorInflightMsgs(config.maxInflightAppends());
        raft.setReadOnlyOptions(ReadOnlyOption.ReadOnlySafe);
        options.setRaftOptions(raft);
        return options;
    }
}
