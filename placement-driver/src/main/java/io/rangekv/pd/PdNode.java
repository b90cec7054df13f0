package io.rangekv.pd;

import io.rangekv.pd.heartbeat.HeartbeatHandler;
import io.rangekv.pd.heartbeat.RegionStatsBook;
import io.rangekv.pd.heartbeat.StoreStatsBook;
import io.rangekv.pd.http.AdminHttpServer;
import io.rangekv.pd.meta.ClusterMetadata;
import io.rangekv.pd.raft.PdRaftGroup;
import io.rangekv.pd.raft.PdLeaderListener;
import io.rangekv.pd.rpc.PdRpcService;
import io.rangekv.pd.rpc.PdServer;
import io.rangekv.pd.schedule.InstructionQueue;
import io.rangekv.pd.http.ConsistencyAdmin;
import io.rangekv.pd.schedule.ConsistencyChecker;
import io.rangekv.pd.schedule.DecisionThread;
import io.rangekv.pd.schedule.OperatorController;
import io.rangekv.pd.schedule.ReplicaHygiene;
import io.rangekv.pd.schedule.SplitChecker;
import io.rangekv.pd.schedule.SplitScheduler;
import io.rangekv.pd.schedule.StoreInstructionQueue;
import io.rangekv.time.SystemClock;
import io.rangekv.concurrent.Closeables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * One PD member (or one of several in a test JVM): wires the metadata, its Raft group, the heartbeat handling, the
 * RPC server and the admin HTTP server, and stops them in reverse order. Holds no global state.
 *
 * <p>Soft state (heartbeat stats, queued instructions) is dropped whenever this member starts or stops leading: a
 * new leader rebuilds it from the next round of heartbeats.
 */
public final class PdNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PdNode.class);

    private final PdConfig config;
    private final List<AutoCloseable> started;
    private final PdRaftGroup raft;
    private final ClusterMetadata metadata;
    private final RegionStatsBook regionStats;

    private PdNode(PdConfig config, List<AutoCloseable> started, PdRaftGroup raft, ClusterMetadata metadata,
                   RegionStatsBook regionStats) {
        this.config = config;
        this.started = started;
        this.raft = raft;
        this.metadata = metadata;
        this.regionStats = regionStats;
    }

    public static PdNode start(PdConfig config) {
        List<AutoCloseable> started = new ArrayList<>();
        try {
            PdMember self = config.self();
            ClusterMetadata metadata = new ClusterMetadata();
            StoreStatsBook storeStats = new StoreStatsBook(SystemClock.INSTANCE);
            RegionStatsBook regionStats = new RegionStatsBook(SystemClock.INSTANCE);
            InstructionQueue instructions = new InstructionQueue(SystemClock.INSTANCE,
                    config.schedule().splitCoolDown());
            DecisionThread decisions = DecisionThread.start();
            started.add(decisions);
            StoreInstructionQueue storeInstructions = new StoreInstructionQueue(decisions);
            ReplicaHygiene hygiene = new ReplicaHygiene(decisions, SystemClock.INSTANCE);
            ConsistencyChecker consistency = new ConsistencyChecker(decisions,
                    config.schedule().consistencyCheckInterval());
            SplitScheduler splits = new SplitScheduler(decisions, SystemClock.INSTANCE,
                    new SplitChecker(config.schedule()));
            OperatorController operators = new OperatorController(SystemClock.INSTANCE,
                    config.schedule().maxOperatorsPerStore(), config.schedule().operatorTimeout(),
                    config.schedule().regionCoolDown());
            // Called on JRaft's apply thread: state confined to the decision thread is cleared there.
            Runnable forgetDecisions = () -> {
                storeInstructions.clear();
                hygiene.clear();
                splits.clear();
                consistency.clear();
            };
            PdLeaderListener forgetSoftState = new PdLeaderListener() {
                @Override
                public void onLeaderStart(long term) {
                    storeStats.clear();
                    regionStats.clear();
                    instructions.clear();
                    operators.clear();
                    decisions.execute(forgetDecisions);
                    LOG.info("PD member {} leads (term {})", self.memberId(), term);
                }

                @Override
                public void onLeaderStop() {
                    instructions.clear();
                    operators.clear();
                    decisions.execute(forgetDecisions);
                    LOG.info("PD member {} stopped leading", self.memberId());
                }
            };
            PdRaftGroup raft = PdRaftGroup.start(config, metadata, forgetSoftState);
            started.add(raft);
            IdAllocator ids = new IdAllocator(raft);
            HeartbeatHandler heartbeats = new HeartbeatHandler(config, metadata, raft, storeStats, regionStats,
                    instructions, ids, operators, decisions, storeInstructions, consistency);
            ScheduleLoop loop = new ScheduleLoop(config, raft, metadata, storeStats, regionStats, heartbeats,
                    operators, instructions, ids, decisions, hygiene, storeInstructions, splits, consistency);
            loop.start();
            PdRpcService service = new PdRpcService(config, raft, metadata, heartbeats, storeStats, regionStats,
                    ids, decisions);
            started.add(PdServer.start(self.host(), self.rpcPort(), service));
            RegionAdmin admin = new RegionAdmin(metadata, regionStats, instructions, heartbeats, operators, ids,
                    storeStats, loop::view);
            started.add(AdminHttpServer.start(self.host(), self.httpPort(), config, raft, metadata, service, admin,
                    operators, new ConsistencyAdmin(consistency, decisions)));
            LOG.info("PD member {} serving RPC at {}, Raft at {}, HTTP at {}", self.memberId(), self.rpcAddress(),
                    self.raftAddress(), self.httpAddress());
            return new PdNode(config, started, raft, metadata, regionStats);
        } catch (RuntimeException e) {
            closeAll(started);
            throw e;
        }
    }

    public PdMember self() {
        return config.self();
    }

    public boolean isLeader() {
        return raft.isReadyLeader();
    }

    public PdRaftGroup raft() {
        return raft;
    }

    public ClusterMetadata metadata() {
        return metadata;
    }

    /** Each region's leader store, as last reported (regions still in the metadata only). */
    public java.util.Map<Long, Long> regionLeaders() {
        java.util.Map<Long, Long> leaders = new java.util.TreeMap<>(regionStats.leaderStores());
        leaders.keySet().removeIf(id -> metadata.regionById(id).isEmpty());
        return leaders;
    }

    @Override
    public void close() {
        closeAll(started);
        LOG.info("PD member {} stopped", config.memberId());
    }

    private static void closeAll(List<AutoCloseable> started) {
        Closeables.closeInReverse(started, LOG);
    }
}
