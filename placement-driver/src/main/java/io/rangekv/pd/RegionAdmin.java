package io.rangekv.pd;

import io.rangekv.error.RequestException;
import io.rangekv.meta.Key;
import io.rangekv.meta.Region;
import io.rangekv.pd.heartbeat.HeartbeatHandler;
import io.rangekv.pd.heartbeat.RegionStatsBook;
import io.rangekv.pd.meta.ClusterMetadata;
import io.rangekv.meta.Peer;
import io.rangekv.pd.schedule.InstructionQueue;
import io.rangekv.pd.schedule.Operator;
import io.rangekv.pd.schedule.OperatorController;
import io.rangekv.pd.schedule.Step;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.wire.MetaCodec;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What an admin asks of a region: split it at a key or into N parts, move, merge, change its peers, move its leader. Validates the request, queues the
 * instruction for the region leader's next heartbeat and waits (bounded) until the PD sees it done.
 *
 * <p>Blocking: call it from an admin thread, never from an event loop.
 */
public final class RegionAdmin {
    private static final Duration POLL = Duration.ofMillis(50);
    private static final int MAX_PARTS = 64;
    private static final int MAX_REPLICAS = 7;
    private static final Duration ALIGN_WAIT = Duration.ofSeconds(20);

    private final ClusterMetadata metadata;
    private final RegionStatsBook regionStats;
    private final InstructionQueue instructions;
    private final HeartbeatHandler heartbeats;
    private final OperatorController operators;
    private final IdAllocator ids;
    private final java.util.function.BiPredicate<Long, Long> hostsOldReplica;
    private final Supplier<io.rangekv.pd.schedule.ClusterView> view;

    /** How an admin request ended: done (with the regions it produced) or still on its way when the wait ran out. */
    public record Result(boolean done, List<Region> regions, String message) {
    }

    public RegionAdmin(ClusterMetadata metadata, RegionStatsBook regionStats, InstructionQueue instructions,
                       HeartbeatHandler heartbeats, OperatorController operators, IdAllocator ids,
                       io.rangekv.pd.heartbeat.StoreStatsBook storeStats,
                       Supplier<io.rangekv.pd.schedule.ClusterView> view) {
        this.view = view;
        this.hostsOldReplica = (storeId, regionId) -> storeStats.latest(storeId)
                .map(e -> e.regionIds().contains(regionId)).orElse(false);
        this.metadata = metadata;
        this.regionStats = regionStats;
        this.instructions = instructions;
        this.heartbeats = heartbeats;
        this.operators = operators;
        this.ids = ids;
    }

    /**
     * Moves the region's replica from one store to another: add a learner there, promote it, then remove the old
     * replica (moving the leadership away first if needed), so the region never has fewer replicas. Waits for the
     * operator to end.
     */
    public Result move(long regionId, long fromStore, long toStore, Duration wait) throws InterruptedException {
        Region region = require(regionId);
        if (region.peerOnStore(fromStore).isEmpty()) {
            throw RequestException.invalidArgument("region " + regionId + " has no replica on store " + fromStore);
        }
        Peer learner = newLearner(region, toStore);
        return run(new Operator(operators.newOperatorId(), regionId, "admin-move", "admin: store " + fromStore
                + " -> " + toStore, List.of(new Step.AddLearner(learner), new Step.PromoteLearner(learner.peerId()),
                new Step.RemovePeer(fromStore)), operators.now()), wait);
    }

    /**
     * Merges region {@code sourceId} into its neighbour {@code targetId}: the source's replicas move onto the
     * target's stores if they are elsewhere, the source freezes, the target takes over its keys. Waits for the
     * operator to end.
     */
    public Result merge(long sourceId, long targetId, Duration wait) throws InterruptedException {
        Region source = require(sourceId);
        Region target = require(targetId);
        if (source.range().joinWith(target.range()).isEmpty()) {
            throw RequestException.invalidArgument("regions " + sourceId + " " + source.range() + " and " + targetId
                    + " " + target.range() + " are not adjacent");
        }
        io.rangekv.pd.schedule.ClusterView cluster = view.get();
        io.rangekv.pd.schedule.RegionView s = viewOf(cluster, sourceId);
        io.rangekv.pd.schedule.RegionView t = viewOf(cluster, targetId);
        for (io.rangekv.pd.schedule.RegionView r : List.of(s, t)) {
            if (!io.rangekv.pd.schedule.MergeChecker.isHealthy(cluster, r)) {
                throw RequestException.invalidArgument("region " + r.regionId() + " is not ready to merge: it needs "
                        + "a leader and " + cluster.maxReplicas() + " voters on UP stores, none frozen (peers "
                        + r.region().peers() + ", leader " + r.leader().map(Peer::storeId).orElse(0L) + ")");
            }
        }
        // A target store may still run an old replica of the source (a move away a moment ago): the replica
        // hygiene destroys it within seconds, so wait for that rather than refuse.
        List<io.rangekv.pd.schedule.Step> steps = waitFor(ALIGN_WAIT, () -> {
            io.rangekv.pd.schedule.ClusterView now = view.get();
            return io.rangekv.pd.schedule.MergeChecker.steps(now, viewOf(now, sourceId), viewOf(now, targetId),
                    () -> ids.allocate(1).join());
        }).orElseThrow(() -> RequestException.invalidArgument("regions " + sourceId + " and " + targetId
                + " cannot be aligned: they need the same number of voters, no learners, and no old replica of the "
                + "source on the target's stores (waited " + ALIGN_WAIT.toSeconds() + " s)"));
        return run(new Operator(operators.newOperatorId(), sourceId, "admin-merge", "admin: merge region "
                + sourceId + " into " + targetId, steps, operators.now()), wait);
    }

    private static io.rangekv.pd.schedule.RegionView viewOf(io.rangekv.pd.schedule.ClusterView cluster, long id) {
        return cluster.regions().stream().filter(r -> r.regionId() == id).findFirst()
                .orElseThrow(() -> RequestException.invalidArgument("no region " + id));
    }

    /** Adds a voter on {@code storeId} (learner first, then promoted). */
    public Result addPeer(long regionId, long storeId, Duration wait) throws InterruptedException {
        Region region = require(regionId);
        Peer learner = newLearner(region, storeId);
        return run(new Operator(operators.newOperatorId(), regionId, "admin-add-peer", "admin: add store "
                + storeId, List.of(new Step.AddLearner(learner), new Step.PromoteLearner(learner.peerId())),
                operators.now()), wait);
    }

    /** Removes the replica on {@code storeId}; refuses to take the region below one voter. */
    public Result removePeer(long regionId, long storeId, Duration wait) throws InterruptedException {
        Region region = require(regionId);
        if (region.peerOnStore(storeId).isEmpty()) {
            throw RequestException.invalidArgument("region " + regionId + " has no replica on store " + storeId);
        }
        if (region.voters().size() <= 1 && region.peerOnStore(storeId).get().isVoter()) {
            throw RequestException.invalidArgument("region " + regionId + " would have no voter left");
        }
        return run(new Operator(operators.newOperatorId(), regionId, "admin-remove-peer", "admin: remove store "
                + storeId, List.of(new Step.RemovePeer(storeId)), operators.now()), wait);
    }

    /**
     * Takes a store out of service. {@code drain}: OFFLINE — its replicas move to other stores, then it becomes
     * TOMBSTONE by itself. Otherwise (a dead machine): TOMBSTONE at once, refused while the store still heartbeats;
     * its replicas are re-created elsewhere.
     */
    public String removeStore(long storeId, boolean drain) {
        io.rangekv.meta.Store store = metadata.store(storeId)
                .orElseThrow(() -> RequestException.invalidArgument("no store " + storeId));
        if (store.state() == io.rangekv.meta.StoreState.TOMBSTONE) {
            return "store " + storeId + " is already TOMBSTONE";
        }
        if (drain) {
            heartbeats.setStoreState(store, io.rangekv.meta.StoreState.OFFLINE).join();
            return "store " + storeId + " is OFFLINE: its replicas move away, then it becomes TOMBSTONE";
        }
        if (heartbeats.observedState(storeId, store.state()) == io.rangekv.meta.StoreState.UP) {
            throw RequestException.invalidArgument("store " + storeId + " still heartbeats; take it offline "
                    + "(drain) instead, or stop it first");
        }
        heartbeats.setStoreState(store, io.rangekv.meta.StoreState.TOMBSTONE).join();
        return "store " + storeId + " is TOMBSTONE: its replicas are re-created on other stores";
    }

    /**
     * Sets the replica count of every region (TiKV's {@code config set max-replicas}): the replica checker then adds
     * voters (on the UP stores with the fewest replicas) or removes them, one region at a time. Raising it above the
     * number of UP stores is allowed; regions stay short until stores join.
     */
    public String setMaxReplicas(int maxReplicas) {
        if (maxReplicas < 1 || maxReplicas > MAX_REPLICAS) {
            throw RequestException.invalidArgument("max-replicas must be 1.." + MAX_REPLICAS + ", not " + maxReplicas);
        }
        heartbeats.setMaxReplicas(maxReplicas).join();
        long up = view.get().stores().values().stream()
                .filter(s -> s.state() == io.rangekv.meta.StoreState.UP).count();
        return "max-replicas is " + maxReplicas + (up < maxReplicas ? "; only " + up + " stores are UP, regions stay "
                + "short of replicas until more join" : "");
    }

    /** The replica count in force: an admin's, else {@code pd.max-replicas}. */
    public int maxReplicas() {
        return view.get().maxReplicas();
    }

    private Peer newLearner(Region region, long storeId) {
        if (metadata.store(storeId).isEmpty()) {
            throw RequestException.invalidArgument("no store " + storeId);
        }
        if (region.peerOnStore(storeId).isPresent()) {
            throw RequestException.invalidArgument("region " + region.regionId() + " already has a replica on store "
                    + storeId);
        }
        if (hostsOldReplica.test(storeId, region.regionId())) {
            throw RequestException.invalidArgument("store " + storeId + " still runs an old replica of region "
                    + region.regionId() + "; it is being destroyed, retry in a few seconds");
        }
        return Peer.learner(ids.allocate(1).join(), storeId);
    }

    private Result run(Operator op, Duration wait) throws InterruptedException {
        if (!operators.admit(op)) {
            throw RequestException.invalidArgument("region " + op.regionId() + " already has an operator running, "
                    + "or a store it touches is at schedule.max-operators-per-store; see /pd/api/v1/operators");
        }
        Optional<Operator> ended = waitFor(wait, () -> operators.history().stream()
                .filter(o -> o.operatorId() == op.operatorId()).findFirst());
        // A merged source is gone: show its target instead.
        Region now = metadata.regionById(op.regionId())
                .or(() -> metadata.regionById(op.mergeTarget())).orElseThrow();
        return ended.map(o -> new Result(o.status() == Operator.Status.SUCCEEDED, List.of(now), o.toString()))
                .orElseGet(() -> new Result(false, List.of(now), "still running: " + op));
    }

    /** Splits region {@code regionId} at {@code splitKey} (empty: the store picks the middle by size). */
    public Result split(long regionId, Key splitKey, Duration wait) throws InterruptedException {
        Region region = require(regionId);
        if (!splitKey.isEmpty() && !region.range().isStrictlyInside(splitKey)) {
            throw RequestException.invalidArgument("split key " + splitKey + " is not strictly inside region "
                    + regionId + " " + region.range());
        }
        return split(region, splitKey, 2, wait);
    }

    /**
     * Splits region {@code regionId} into {@code parts} regions of about equal size: the store splits off 1/N of
     * the bytes, then the right-hand remainder loses 1/(N-1), and so on; each split waits (up to {@code wait}) for
     * the report that shows it. Stops early, with what it made, when a remainder has too few keys or a split is
     * still on its way.
     */
    public Result splitInto(long regionId, int parts, Duration wait) throws InterruptedException {
        if (parts < 2 || parts > MAX_PARTS) {
            throw RequestException.invalidArgument("parts must be 2.." + MAX_PARTS + ", not " + parts);
        }
        Region rest = require(regionId);
        List<Region> made = new java.util.ArrayList<>();
        for (int k = parts; k >= 2; k--) {
            Result step = split(rest, Key.EMPTY, k, wait);
            if (!step.done()) {
                made.add(rest);
                return new Result(false, made, "split " + (parts - k) + " of " + (parts - 1) + " times; then: "
                        + step.message());
            }
            made.add(step.regions().get(0));
            rest = step.regions().get(1);
        }
        made.add(rest);
        return new Result(true, made, "split into " + parts);
    }

    private Result split(Region region, Key splitKey, int parts, Duration wait) throws InterruptedException {
        long regionId = region.regionId();
        PdProto.RegionInstruction instruction = heartbeats.newSplit(MetaCodec.toProto(region),
                MetaCodec.toProto(splitKey), parts, "admin request").join();
        instructions.offer(instruction);
        long newRegionId = instruction.getSplit().getNewRegionId();
        Optional<List<Region>> after = waitFor(wait, () -> {
            Optional<Region> left = metadata.regionById(regionId)
                    .filter(r -> r.epoch().version() > region.epoch().version());
            Optional<Region> right = metadata.regionById(newRegionId);
            return left.isPresent() && right.isPresent() ? Optional.of(List.of(left.get(), right.get()))
                    : Optional.empty();
        });
        return after.map(regions -> new Result(true, regions, "split"))
                .orElseGet(() -> new Result(false, List.of(region), "split queued for region " + regionId
                        + "; its leader has not reported it yet (new region id " + newRegionId + ")"));
    }

    /** Moves the leadership of {@code regionId} to its replica on {@code storeId}. */
    public Result transferLeader(long regionId, long storeId, Duration wait) throws InterruptedException {
        Region region = require(regionId);
        if (region.peerOnStore(storeId).filter(p -> p.isVoter()).isEmpty()) {
            throw RequestException.invalidArgument("region " + regionId + " has no voter on store " + storeId
                    + " (peers " + region.peers() + ")");
        }
        instructions.offer(PdProto.RegionInstruction.newBuilder().setRegionId(regionId)
                .setEpoch(MetaCodec.toProto(region.epoch())).setReason("admin request")
                .setTransferLeader(PdProto.TransferLeader.newBuilder().setToStoreId(storeId)).build());
        Optional<Region> moved = waitFor(wait, () -> regionStats.latest(regionId)
                .filter(s -> s.leader().storeId() == storeId).flatMap(s -> metadata.regionById(regionId)));
        return moved.map(r -> new Result(true, List.of(r), "leader on store " + storeId))
                .orElseGet(() -> new Result(false, List.of(region), "transfer queued; the leader of region "
                        + regionId + " has not reported a move to store " + storeId + " yet"));
    }

    private Region require(long regionId) {
        return metadata.regionById(regionId)
                .orElseThrow(() -> RequestException.invalidArgument("no region " + regionId));
    }

    private static <T> Optional<T> waitFor(Duration wait, Supplier<Optional<T>> condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            Optional<T> value = condition.get();
            if (value.isPresent() || System.nanoTime() > deadline) {
                return value;
            }
            Thread.sleep(POLL.toMillis());
        }
    }
}
