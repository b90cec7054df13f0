package io.rangekv.pd.heartbeat;

import io.rangekv.config.Settings;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.meta.StoreState;
import io.rangekv.pd.PdConfig;
import io.rangekv.pd.meta.ClusterMetadata;
import io.rangekv.pd.schedule.ClusterView;
import io.rangekv.pd.schedule.DecisionThread;
import io.rangekv.pd.schedule.InstructionQueue;
import io.rangekv.pd.schedule.OperatorController;
import io.rangekv.pd.schedule.RegionView;
import io.rangekv.pd.schedule.ReplicaHygiene;
import io.rangekv.pd.schedule.StoreInstructionQueue;
import io.rangekv.pd.schedule.StoreView;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.time.Clock;
import io.rangekv.wire.MetaCodec;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The heartbeat handler on a bootstrapped cluster (no Raft proposal is needed: nothing it hears changes the map):
 * it only records and delivers what a scheduling round decided, and only on its decision thread.
 */
class HeartbeatHandlerTest {
    private long now;
    private final Clock clock = new Clock() {
        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public long currentTimeMillis() {
            return now / 1_000_000;
        }
    };
    private final DecisionThread thread = DecisionThread.callingThread();
    private final ClusterMetadata metadata = new ClusterMetadata();
    private final StoreStatsBook storeStats = new StoreStatsBook(clock);
    private final OperatorController operators = new OperatorController(clock, 4, Duration.ofMinutes(10));
    private final StoreInstructionQueue storeInstructions = new StoreInstructionQueue(thread);
    private final ReplicaHygiene hygiene = new ReplicaHygiene(thread, clock);
    private final InstructionQueue instructions = new InstructionQueue(clock, Duration.ofSeconds(10));
    private final HeartbeatHandler handler = new HeartbeatHandler(PdConfig.from(new Settings(Map.of())), metadata,
            null, storeStats, new RegionStatsBook(clock), instructions, null, operators, thread, storeInstructions,
            new io.rangekv.pd.schedule.ConsistencyChecker(thread, Duration.ZERO));
    private final Region parent;

    HeartbeatHandlerTest() {
        parent = ((ClusterMetadata.Outcome.Bootstrapped) metadata.apply(PdProto.PdCommand.newBuilder()
                .setBootstrap(PdProto.BootstrapCommand.newBuilder().addAllStoreIds(List.of(1L, 2L, 3L))).build()))
                .firstRegion();
    }

    private PdProto.StoreHeartbeatResponse storeHeartbeat(long storeId, Long... hosted) throws Exception {
        return handler.onStoreHeartbeat(PdProto.StoreHeartbeatRequest.newBuilder().setStoreId(storeId)
                .addAllRegionIds(List.of(hosted)).build()).get(10, TimeUnit.SECONDS);
    }

    /** One scheduling round, as ScheduleLoop runs it, from what the stores last reported. */
    private void round() {
        List<StoreView> stores = List.of(1L, 2L, 3L).stream().map(id -> new StoreView(id, StoreState.UP,
                storeStats.latest(id).map(StoreStatsBook.Entry::regionIds).orElse(Set.of()))).toList();
        ClusterView view = ClusterView.of(stores, metadata.regions().stream()
                .map(r -> new RegionView(r, Optional.empty())).toList(), 3);
        storeInstructions.replaceAll(hygiene.check(view, id -> Optional.empty(),
                ReplicaHygiene.Operators.of(operators::hasOperator, operators::claimsReplica)));
        now += Duration.ofSeconds(1).toNanos();
    }

    /**
     * The split of region 1 at "m": the child's report (region 50, version 2) reaches the PD first and replaces the
     * parent in the map; the parent's report is late. Store 1 heartbeats for a minute meanwhile, hosting both: it is
     * never told to destroy region 1. (The handler used to decide this itself from the map's gap and answer
     * DestroyReplica(region 1, epoch MAX/MAX) after 5 s, which deleted [, m) on every store.)
     */
    @Test
    void aStoreHostingASplitParentTheMapLacksIsNeverToldToDestroyIt() throws Exception {
        for (long s = 1; s <= 3; s++) {
            storeHeartbeat(s, parent.regionId());
        }
        round();
        Region child = new Region(50, new KeyRange(Key.of("m"), Key.EMPTY), new RegionEpoch(1, 2),
                List.of(Peer.voter(51, 1), Peer.voter(52, 2), Peer.voter(53, 3)));
        metadata.apply(PdProto.PdCommand.newBuilder().setPutRegions(PdProto.PutRegionsCommand.newBuilder()
                .addRegions(MetaCodec.toProto(child))).build());
        assertTrue(metadata.regionById(parent.regionId()).isEmpty(), "the child's report pushed the parent out");
        for (int i = 0; i < 60; i++) {
            for (long s = 1; s <= 3; s++) {
                PdProto.StoreHeartbeatResponse reply = storeHeartbeat(s, parent.regionId(), 50L);
                assertTrue(reply.getInstructionsList().stream().noneMatch(PdProto.StoreInstruction::hasDestroyReplica),
                        "round " + i + ", store " + s + ": " + reply.getInstructionsList());
            }
            round();
        }
    }

    /** What a round decided reaches the store in its next heartbeat reply, with the region's real epoch. */
    @Test
    void aRoundsDestroyIsDeliveredOnTheStoresNextHeartbeat() throws Exception {
        for (long s = 1; s <= 3; s++) {
            storeHeartbeat(s, parent.regionId());
        }
        Region moved = parent.withPeers(List.of(parent.peers().get(0), parent.peers().get(1)),
                parent.epoch().withNextConfVersion());
        metadata.apply(PdProto.PdCommand.newBuilder().setPutRegions(PdProto.PutRegionsCommand.newBuilder()
                .addRegions(MetaCodec.toProto(moved))).build());
        long removedStore = parent.peers().get(2).storeId();
        PdProto.StoreInstruction destroy = null;
        for (int i = 0; i < 10 && destroy == null; i++) {
            round();
            destroy = storeHeartbeat(removedStore, parent.regionId()).getInstructionsList().stream()
                    .filter(PdProto.StoreInstruction::hasDestroyReplica).findFirst().orElse(null);
        }
        assertTrue(destroy != null, "destroyed within the grace and a round");
        assertEquals(parent.regionId(), destroy.getDestroyReplica().getRegionId());
        assertEquals(MetaCodec.toProto(moved.epoch()), destroy.getDestroyReplica().getEpoch());
    }

    /**
     * A region's report over the split size gets no split decided in its reply (the schedule loop decides splits
     * from the round's view); a split queued for the region is delivered while the region is at its epoch.
     */
    @Test
    void aRegionHeartbeatDeliversAQueuedSplitAndDecidesNone() throws Exception {
        PdProto.RegionReport big = PdProto.RegionReport.newBuilder().setRegion(MetaCodec.toProto(parent))
                .setLeader(MetaCodec.toProto(parent.peers().get(0))).setApproximateBytes(Long.MAX_VALUE / 2)
                .setApproximateKeys(Long.MAX_VALUE / 2).setIntervalMs(1000).build();
        PdProto.RegionHeartbeatRequest request = PdProto.RegionHeartbeatRequest.newBuilder().setStoreId(1)
                .addRegions(big).build();
        assertEquals(0, handler.onRegionHeartbeat(request).get(10, TimeUnit.SECONDS).getInstructionsCount());
        PdProto.RegionInstruction split = PdProto.RegionInstruction.newBuilder().setRegionId(parent.regionId())
                .setEpoch(MetaCodec.toProto(parent.epoch())).setSplit(PdProto.SplitRegion.newBuilder()
                        .setNewRegionId(90)).build();
        instructions.offer(split);
        assertEquals(List.of(split), handler.onRegionHeartbeat(request).get(10, TimeUnit.SECONDS)
                .getInstructionsList());
    }

    /** Heartbeats touch state confined to the decision thread: from any other thread they fail. */
    @Test
    void aHeartbeatHandledOffTheDecisionThreadFails() {
        PdProto.StoreHeartbeatRequest store = PdProto.StoreHeartbeatRequest.newBuilder().setStoreId(1).build();
        PdProto.RegionHeartbeatRequest region = PdProto.RegionHeartbeatRequest.newBuilder().setStoreId(1).build();
        for (Runnable call : List.<Runnable>of(() -> handler.onStoreHeartbeat(store),
                () -> handler.onRegionHeartbeat(region))) {
            CompletableFuture<Void> elsewhere = CompletableFuture.runAsync(call,
                    r -> new Thread(r, "pd-raft-apply-stand-in").start());
            ExecutionException e = assertThrows(ExecutionException.class, () -> elsewhere.get(10, TimeUnit.SECONDS));
            assertInstanceOf(IllegalStateException.class, e.getCause());
        }
        assertTrue(storeStats.latest(1).isEmpty(), "nothing was recorded from the wrong thread");
    }
}
