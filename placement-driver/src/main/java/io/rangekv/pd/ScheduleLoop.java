package io.rangekv.pd;

import io.rangekv.meta.Region;
import io.rangekv.meta.Store;
import io.rangekv.meta.StoreState;
import io.rangekv.pd.heartbeat.HeartbeatHandler;
import io.rangekv.pd.heartbeat.RegionStatsBook;
import io.rangekv.pd.heartbeat.StoreStatsBook;
import io.rangekv.pd.meta.ClusterMetadata;
import io.rangekv.pd.raft.PdRaftGroup;
import io.rangekv.pd.schedule.BalanceScheduler;
import io.rangekv.pd.schedule.ClusterView;
import io.rangekv.pd.schedule.Operator;
import io.rangekv.pd.schedule.OperatorController;
import io.rangekv.pd.schedule.RegionView;
import io.rangekv.pd.schedule.ReplicaChecker;
import io.rangekv.pd.schedule.StoreView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every {@code schedule.interval} on the {@code pd-schedule} thread, while this member is the ready leader: freeze a
 * {@link ClusterView}, end stalled operators, then ask the schedulers — replica repair first; leader and region
 * balance only when no region is short of replicas — and hand their operators to the {@link OperatorController}.
 */
public final class ScheduleLoop {
    private static final Logger LOG = LoggerFactory.getLogger(ScheduleLoop.class);
    private static final int ID_BLOCK = 64;

    private final PdConfig config;
    private final PdRaftGroup raft;
    private final ClusterMetadata metadata;
    private final StoreStatsBook storeStats;
    private final RegionStatsBook regionStats;
    private final HeartbeatHandler heartbeats;
    private final OperatorController operators;
    private final IdAllocator ids;
    private long nextPeerId;
    private long peerIdsEnd;

    public ScheduleLoop(PdConfig config, PdRaftGroup raft, ClusterMetadata metadata, StoreStatsBook storeStats,
                        RegionStatsBook regionStats, HeartbeatHandler heartbeats, OperatorController operators,
                        IdAllocator ids) {
        this.config = config;
        this.raft = raft;
        this.metadata = metadata;
        this.storeStats = storeStats;
        this.regionStats = regionStats;
        this.heartbeats = heartbeats;
        this.operators = operators;
        this.ids = ids;
    }

    public void start(ScheduledExecutorService thread) {
        long every = config.schedule().interval().toMillis();
        thread.scheduleWithFixedDelay(this::tickSafely, every, every, TimeUnit.MILLISECONDS);
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.warn("scheduling round failed; the next one retries", e);
        }
    }

    /** One scheduling round. */
    void tick() {
        if (!raft.isReadyLeader() || !metadata.isBootstrapped()) {
            return;
        }
        ClusterView view = view();
        Map<Long, RegionView> byId = view.regions().stream()
                .collect(Collectors.toMap(RegionView::regionId, Function.identity()));
        operators.expire(byId).forEach(operators::admit);
        PdConfig.ScheduleConfig schedule = config.schedule();
        long now = operators.now();
        List<Operator> repairs = ReplicaChecker.check(view, operators::hasOperator, this::nextPeerId,
                operators::newOperatorId, now);
        if (schedule.replicaRepair()) {
            repairs.forEach(operators::admit);
        }
        tombstoneDrainedStores(view);
        boolean healthy = repairs.isEmpty()
                && operators.running().stream().noneMatch(o -> o.kind().startsWith("repair"));
        if (!healthy) {
            return;
        }
        if (schedule.leaderBalance()) {
            BalanceScheduler.balanceLeaders(view, operators::hasOperator, schedule.balanceTolerance(),
                    operators::newOperatorId, now).ifPresent(operators::admit);
        }
        if (schedule.regionBalance()) {
            BalanceScheduler.balanceRegions(view, operators::hasOperator, schedule.balanceTolerance(),
                    this::nextPeerId, operators::newOperatorId, now).ifPresent(operators::admit);
        }
    }

    /** An OFFLINE store that holds no replica any more is done: TOMBSTONE. */
    private void tombstoneDrainedStores(ClusterView view) {
        Map<Long, Long> replicas = view.regionCounts();
        for (Store store : metadata.stores()) {
            if (store.state() == StoreState.OFFLINE && replicas.getOrDefault(store.storeId(), 0L) == 0) {
                LOG.info("store {} holds no replica any more: TOMBSTONE", store.storeId());
                heartbeats.setStoreState(store, StoreState.TOMBSTONE);
            }
        }
    }

    /** The cluster as the schedulers see it right now. */
    public ClusterView view() {
        List<StoreView> stores = metadata.stores().stream().map(this::storeView).toList();
        List<RegionView> regions = metadata.regions().stream().map(this::regionView).toList();
        return ClusterView.of(stores, regions, config.maxReplicas());
    }

    private StoreView storeView(Store store) {
        Set<Long> hosted = storeStats.latest(store.storeId()).map(StoreStatsBook.Entry::regionIds).orElse(Set.of());
        return new StoreView(store.storeId(), heartbeats.observedState(store.storeId(), store.state()), hosted);
    }

    private RegionView regionView(Region region) {
        return new RegionView(region, regionStats.latest(region.regionId())
                .map(RegionStatsBook.Stats::leader)
                .filter(l -> region.peer(l.peerId()).isPresent()));
    }

    /** Peer ids come from the allocator in blocks, so a round costs at most one Raft proposal for ids. */
    long nextPeerId() {
        if (nextPeerId >= peerIdsEnd) {
            try {
                nextPeerId = ids.allocate(ID_BLOCK).get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("cannot allocate peer ids: " + e, e);
            }
            peerIdsEnd = nextPeerId + ID_BLOCK;
        }
        return nextPeerId++;
    }
}
