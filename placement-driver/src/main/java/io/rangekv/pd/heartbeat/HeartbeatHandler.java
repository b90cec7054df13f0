package io.rangekv.pd.heartbeat;

import io.rangekv.concurrent.ConfinedTo;
import io.rangekv.error.RequestException;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.meta.StoreState;
import io.rangekv.pd.IdAllocator;
import io.rangekv.pd.PdConfig;
import io.rangekv.pd.meta.ClusterMetadata;
import io.rangekv.pd.raft.PdRaftGroup;
import io.rangekv.pd.schedule.ConsistencyChecker;
import io.rangekv.pd.schedule.DecisionThread;
import io.rangekv.pd.schedule.InstructionQueue;
import io.rangekv.pd.schedule.OperatorController;
import io.rangekv.pd.schedule.RegionView;
import io.rangekv.pd.schedule.StoreInstruction;
import io.rangekv.pd.schedule.StoreInstructionQueue;
import io.rangekv.proto.gen.MetaProto;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.wire.MetaCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Store and region heartbeats on the PD leader: record what they say (durable changes through the Raft log, stats
 * in memory), then answer with what was decided — bootstrap replicas and the replica hygiene the last scheduling
 * round decided ({@link StoreInstructionQueue}) for a store; an operator's next step, or a queued split (an
 * admin's or the schedule loop's) or leader transfer, for a region.
 *
 * <p>Confined to the decision thread ({@code pd-schedule}): the RPC service hands heartbeats to it, and every
 * continuation after a Raft proposal (which completes on JRaft's apply thread) hops back to it before touching soft
 * state; the entry points check it. {@link #newSplit}, {@link #setStoreState}, {@link #setMaxReplicas} and
 * {@link #observedState} touch no soft state and may be called from admin threads.
 */
@ConfinedTo(DecisionThread.NAME)
public final class HeartbeatHandler {
    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatHandler.class);

    private final PdConfig config;
    private final ClusterMetadata metadata;
    private final PdRaftGroup raft;
    private final StoreStatsBook storeStats;
    private final ConsistencyChecker consistency;
    private final RegionStatsBook regionStats;
    private final InstructionQueue instructions;
    private final IdAllocator ids;
    private final OperatorController operators;
    private final DecisionThread thread;
    private final StoreInstructionQueue storeInstructions;
    private final AtomicBoolean bootstrapping = new AtomicBoolean();

    public HeartbeatHandler(PdConfig config, ClusterMetadata metadata, PdRaftGroup raft, StoreStatsBook storeStats,
                            RegionStatsBook regionStats, InstructionQueue instructions, IdAllocator ids,
                            OperatorController operators, DecisionThread thread,
                            StoreInstructionQueue storeInstructions, ConsistencyChecker consistency) {
        this.thread = thread;
        this.consistency = consistency;
        this.storeInstructions = storeInstructions;
        this.config = config;
        this.metadata = metadata;
        this.raft = raft;
        this.storeStats = storeStats;
        this.regionStats = regionStats;
        this.instructions = instructions;
        this.ids = ids;
        this.operators = operators;
    }

    /** A store announces itself: recorded as UP with its addresses and labels. */
    public CompletableFuture<PdProto.PutStoreResponse> onPutStore(PdProto.PutStoreRequest request) {
        Optional<io.rangekv.meta.Store> known = metadata.store(request.getStore().getStoreId());
        if (known.filter(k -> k.state() == StoreState.TOMBSTONE).isPresent()) {
            return CompletableFuture.failedFuture(RequestException.invalidArgument("store "
                    + request.getStore().getStoreId() + " was removed from the cluster (TOMBSTONE); a store id is "
                    + "never reused: give this store a new id and an empty data directory"));
        }
        // A store being drained stays OFFLINE when it restarts and registers again.
        MetaProto.StoreState state = known.filter(k -> k.state() == StoreState.OFFLINE).isPresent()
                ? MetaProto.StoreState.OFFLINE : MetaProto.StoreState.UP;
        MetaProto.Store store = request.getStore().toBuilder().setState(state).build();
        boolean otherAddress = known.isPresent() && !known.get().raftAddress().equals(store.getRaftAddress());
        boolean stillAlive = storeStats.silence(store.getStoreId())
                .filter(s -> s.compareTo(config.schedule().storeDownTime()) < 0).isPresent();
        if (otherAddress && stillAlive) {
            // Two processes with one id would corrupt every region they share: refuse the newcomer while the
            // recorded store still heartbeats (a store that moved is accepted once the old address falls silent).
            return CompletableFuture.failedFuture(RequestException.invalidArgument("store id " + store.getStoreId()
                    + " is already used by a live store at " + known.get().raftAddress()));
        }
        return raft.propose(PdProto.PdCommand.newBuilder()
                        .setPutStore(PdProto.PutStoreCommand.newBuilder().setStore(store)).build())
                .thenApply(outcome -> PdProto.PutStoreResponse.newBuilder()
                        .setClusterBootstrapped(metadata.isBootstrapped()).build());
    }

    /**
     * Records the store's report and answers with what was decided for it: the first region's replica at bootstrap,
     * the replicas the last scheduling round found it must create or destroy, an operator's new learner. Nothing
     * is decided here from this one report.
     */
    public CompletableFuture<PdProto.StoreHeartbeatResponse> onStoreHeartbeat(
            PdProto.StoreHeartbeatRequest request) {
        thread.checkOn();
        storeStats.record(request);
        java.util.Map<Long, ConsistencyChecker.Report> hashes = new java.util.HashMap<>();
        for (PdProto.ReplicaHash h : request.getReplicaHashesList()) {
            hashes.put(h.getRegionId(), new ConsistencyChecker.Report(request.getStoreId(), h.getPeerId(),
                    h.getAppliedIndex(), h.getHash()));
        }
        consistency.record(request.getStoreId(), hashes);
        // A failed bootstrap proposal is retried on the next heartbeat; this one is answered all the same.
        return onDecisionThread(maybeBootstrap().exceptionally(e -> null), ignored -> {
            thread.checkOn();
            java.util.Set<Long> hosted = java.util.Set.copyOf(request.getRegionIdsList());
            PdProto.StoreHeartbeatResponse.Builder reply = PdProto.StoreHeartbeatResponse.newBuilder()
                    .setStoresVersion(metadata.storesVersion());
            if (request.getKnownStoresVersion() != metadata.storesVersion()) {
                metadata.stores().forEach(s -> reply.addStores(MetaCodec.toProto(s)));
            }
            bootstrapReplicaFor(request).ifPresent(reply::addInstructions);
            for (StoreInstruction decided : storeInstructions.takeFor(request.getStoreId(), hosted)) {
                LOG.info("store {}: {} ({})", request.getStoreId(), decided.getClass().getSimpleName(),
                        decided.why());
                reply.addInstructions(toProto(decided));
            }
            reply.addAllInstructions(operators.onStoreReport(request.getStoreId(), hosted,
                    java.util.Set.copyOf(request.getMergingRegionIdsList())));
            return CompletableFuture.completedFuture(reply.build());
        });
    }

    /**
     * Continues on the decision thread: at once when {@code first} is already done (no hop, no reordering),
     * otherwise as a task queued there (a proposal completes on JRaft's apply thread).
     */
    private <T, R> CompletableFuture<R> onDecisionThread(CompletableFuture<T> first,
                                                         java.util.function.Function<T, CompletableFuture<R>> next) {
        return first.isDone() && !first.isCompletedExceptionally() ? first.thenCompose(next)
                : first.thenComposeAsync(next, thread);
    }

    private static PdProto.StoreInstruction toProto(StoreInstruction decided) {
        if (decided instanceof StoreInstruction.CreateReplica c) {
            return PdProto.StoreInstruction.newBuilder().setCreateReplica(PdProto.CreateReplica.newBuilder()
                    .setRegion(MetaCodec.toProto(c.initial())).setPeerId(c.peerId())).build();
        }
        if (decided instanceof StoreInstruction.QuarantineReplica q) {
            return PdProto.StoreInstruction.newBuilder().setQuarantineReplica(PdProto.QuarantineReplica.newBuilder()
                    .setRegionId(q.regionId()).setPeerId(q.peerId()).setReason(q.why())).build();
        }
        StoreInstruction.DestroyReplica d = (StoreInstruction.DestroyReplica) decided;
        return PdProto.StoreInstruction.newBuilder().setDestroyReplica(PdProto.DestroyReplica.newBuilder()
                .setRegionId(d.regionId()).setEpoch(MetaCodec.toProto(d.epoch())).setPeerId(d.peerId())).build();
    }

    /**
     * Once {@code pd.max-replicas} stores are alive and the cluster has no region yet, creates the first region on
     * them. The command is idempotent in the log (a second bootstrap does nothing), so a retry after a PD failover
     * is safe.
     */
    private CompletableFuture<?> maybeBootstrap() {
        if (metadata.isBootstrapped()) {
            return CompletableFuture.completedFuture(null);
        }
        List<Long> live = storeStats.liveStores(config.schedule().storeDownTime()).stream()
                .filter(id -> metadata.store(id).isPresent()).toList();
        if (live.size() < config.maxReplicas() || !bootstrapping.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(null);
        }
        List<Long> chosen = live.subList(0, config.maxReplicas());
        return raft.propose(PdProto.PdCommand.newBuilder()
                        .setBootstrap(PdProto.BootstrapCommand.newBuilder().addAllStoreIds(chosen)).build())
                .whenComplete((outcome, error) -> {
                    bootstrapping.set(false);
                    if (outcome instanceof ClusterMetadata.Outcome.Bootstrapped b) {
                        LOG.info("cluster bootstrapped: first region {} on stores {}", b.firstRegion(), chosen);
                    }
                });
    }

    /** The first region's replica for a store that is one of its peers and does not host it yet. */
    private Optional<PdProto.StoreInstruction> bootstrapReplicaFor(PdProto.StoreHeartbeatRequest request) {
        Optional<Region> first = metadata.regionByKey(KeyRange.ALL.start())
                .filter(r -> r.range().equals(KeyRange.ALL) && r.epoch().equals(RegionEpoch.INITIAL));
        if (first.isEmpty() || request.getRegionIdsList().contains(first.get().regionId())) {
            return Optional.empty();
        }
        return first.get().peerOnStore(request.getStoreId()).map(peer -> PdProto.StoreInstruction.newBuilder()
                .setCreateReplica(PdProto.CreateReplica.newBuilder()
                        .setRegion(MetaCodec.toProto(first.get())).setPeerId(peer.peerId()).setBootstrap(true))
                .build());
    }

    public CompletableFuture<PdProto.RegionHeartbeatResponse> onRegionHeartbeat(
            PdProto.RegionHeartbeatRequest request) {
        thread.checkOn();
        PdProto.PutRegionsCommand.Builder changed = PdProto.PutRegionsCommand.newBuilder();
        for (PdProto.RegionReport report : request.getRegionsList()) {
            Region reported = MetaCodec.fromProto(report.getRegion());
            Optional<Region> known = metadata.regionById(reported.regionId());
            if (known.isPresent() && reported.epoch().isStaleComparedTo(known.get().epoch())) {
                continue; // a stale leader's view: neither its stats nor its descriptor count
            }
            if (report.hasLeader()) {
                regionStats.record(report);
            }
            if (known.isEmpty() || !known.get().equals(reported)) {
                changed.addRegions(report.getRegion());
            }
        }
        CompletableFuture<?> recorded = changed.getRegionsCount() == 0
                ? CompletableFuture.completedFuture(null)
                : raft.propose(PdProto.PdCommand.newBuilder().setPutRegions(changed).build());
        return onDecisionThread(recorded, ignored -> instructionsFor(request));
    }

    /**
     * For each reported region: the running operator's next step (operators advance on their region's reports), or
     * else an instruction queued for it (an admin's or the schedule loop's split, a leader transfer).
     */
    private CompletableFuture<PdProto.RegionHeartbeatResponse> instructionsFor(
            PdProto.RegionHeartbeatRequest request) {
        thread.checkOn();
        PdProto.RegionHeartbeatResponse.Builder reply = PdProto.RegionHeartbeatResponse.newBuilder();
        for (PdProto.RegionReport report : request.getRegionsList()) {
            long regionId = report.getRegion().getRegionId();
            Region reported = MetaCodec.fromProto(report.getRegion());
            if (metadata.regionById(regionId).filter(k -> reported.epoch().isStaleComparedTo(k.epoch())).isPresent()) {
                continue; // a stale leader's view decides nothing: no operator step, no split (see onRegionHeartbeat)
            }
            // A running operator goes first: a split queued meanwhile waits (its epoch check drops it if the
            // operator changed the region).
            if (report.hasLeader()) {
                Optional<PdProto.RegionInstruction> step = operators.onRegionReport(new RegionView(reported,
                        Optional.of(MetaCodec.fromProto(report.getLeader()))).withPendingPeers(
                                storeStats.pendingPeers(reported)),
                        report.hasInitialRegion() ? MetaCodec.fromProto(report.getInitialRegion()) : null);
                if (step.isPresent()) {
                    reply.addInstructions(step.get());
                    continue;
                }
                if (operators.hasOperator(regionId)) {
                    continue;
                }
            }
            instructions.due(regionId, report).ifPresent(reply::addInstructions);
        }
        return CompletableFuture.completedFuture(reply.build());
    }

    /** Records a store's new administrative state (OFFLINE to drain it, TOMBSTONE once removed). */
    public CompletableFuture<?> setStoreState(io.rangekv.meta.Store store, StoreState state) {
        MetaProto.Store updated = MetaCodec.toProto(store).toBuilder()
                .setState(MetaProto.StoreState.valueOf(state.name())).build();
        return raft.propose(PdProto.PdCommand.newBuilder()
                .setPutStore(PdProto.PutStoreCommand.newBuilder().setStore(updated)).build());
    }

    /** Records an admin's replica count for every region (the replica checker adds or removes voters to match). */
    public CompletableFuture<?> setMaxReplicas(int maxReplicas) {
        return raft.propose(PdProto.PdCommand.newBuilder()
                .setSetReplication(PdProto.SetReplicationCommand.newBuilder().setMaxReplicas(maxReplicas)).build());
    }

    /** A split instruction with fresh ids for the new region and its peers; an empty key lets the store choose. */
    public CompletableFuture<PdProto.RegionInstruction> newSplit(MetaProto.Region region, String reason) {
        return newSplit(region, com.google.protobuf.ByteString.EMPTY, reason);
    }

    public CompletableFuture<PdProto.RegionInstruction> newSplit(MetaProto.Region region,
                                                                 com.google.protobuf.ByteString splitKey,
                                                                 String reason) {
        return newSplit(region, splitKey, 2, reason);
    }

    /** A split with new ids; with an empty {@code splitKey} the left region keeps {@code 1/parts} of the bytes. */
    public CompletableFuture<PdProto.RegionInstruction> newSplit(MetaProto.Region region,
                                                                 com.google.protobuf.ByteString splitKey, int parts,
                                                                 String reason) {
        int peers = region.getPeersCount();
        return ids.allocate(1 + peers).thenApply(first -> {
            PdProto.SplitRegion.Builder split = PdProto.SplitRegion.newBuilder()
                    .setSplitKey(splitKey).setNewRegionId(first).setParts(parts);
            for (int i = 1; i <= peers; i++) {
                split.addNewPeerIds(first + i);
            }
            return PdProto.RegionInstruction.newBuilder().setRegionId(region.getRegionId())
                    .setEpoch(region.getEpoch()).setReason(reason).setSplit(split).build();
        });
    }

    /**
     * Store state as the PD shows it: DISCONNECTED once silent for {@code schedule.store-disconnected-after}, DOWN
     * after {@code schedule.max-store-down-time}. Observed, not recorded: a store that comes back is UP again.
     */
    public StoreState observedState(long storeId, StoreState recorded) {
        if (recorded != StoreState.UP) {
            return recorded;
        }
        java.time.Duration silence = storeStats.silenceOrSinceListening(storeId);
        if (silence.compareTo(config.schedule().maxStoreDownTime()) > 0) {
            return StoreState.DOWN;
        }
        return silence.compareTo(config.schedule().storeDownTime()) > 0 ? StoreState.DISCONNECTED : StoreState.UP;
    }
}
