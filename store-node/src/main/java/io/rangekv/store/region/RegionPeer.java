package io.rangekv.store.region;

import io.rangekv.error.ErrorKind;
import io.rangekv.error.KvException;
import io.rangekv.error.RegionException;
import io.rangekv.error.ReplicaFatalException;
import io.rangekv.meta.Key;
import io.rangekv.meta.KeyRange;
import io.rangekv.meta.Peer;
import io.rangekv.meta.ReadConsistency;
import io.rangekv.meta.Region;
import io.rangekv.meta.RegionEpoch;
import io.rangekv.meta.Store;
import io.rangekv.store.command.Command;
import io.rangekv.store.command.CommandResult;
import io.rangekv.store.command.Proposal;
import io.rangekv.store.engine.Engine;
import io.rangekv.store.engine.EngineReader;
import io.rangekv.store.raft.ApplyListener;
import io.rangekv.store.raft.RaftGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One replica of one region on this store: the step of the request path that checks a request against the region
 * and hands it to Raft.
 *
 * <pre>
 *   KvRpcService ─► RegionPeer.propose ─ checks: alive, epoch, keys in range, leader ─► RaftGroup.propose
 *               └─► RegionPeer.read    ─ checks ─► RaftGroup.awaitReadable ─► re-check range ─► Engine read
 * </pre>
 *
 * <p><b>Concurrency</b>: thread-safe. Requests arrive on {@code store-kv} threads; apply callbacks
 * ({@link ApplyListener}) on the Raft library's apply thread. The current region is one volatile immutable value,
 * replaced after each batch that changes it. Continuations run on the {@code store-kv} executor.
 * <p><b>Ordering</b>: the checks here give callers a fast, precise error; they are repeated at apply, where a split
 * that committed in between is seen for certain. Reads re-check the range after the read index is reached, for the
 * same reason.
 * <p><b>Failure</b>: once apply fails the replica is {@code failed} and answers every request with REPLICA_FATAL.
 */
public final class RegionPeer implements ApplyListener {
    private static final Logger LOG = LoggerFactory.getLogger(RegionPeer.class);
    private static final java.time.Duration MEMBERSHIP_NUDGE = java.time.Duration.ofMillis(500);
    /** Sixty nudges: thirty seconds of keeping a membership change moving, then the caller's deadline decides. */
    private static final int MAX_MEMBERSHIP_NUDGES = 60;

    private final long storeId;
    private final long peerId;
    private final Engine engine;
    private final StoreDirectory directory;
    private final RegionHost host;
    private final Executor kvExecutor;
    private final long snapshotEveryEntries;
    private final AtomicLong lastSnapshotRequestIndex = new AtomicLong();
    private final RegionLoad load = new RegionLoad();
    private volatile Region region;
    private volatile Region initialRegion;
    private volatile RaftGroup raftGroup;
    private volatile ApplyStats stats;
    private volatile ReplicaFatalException failed;
    /** Frozen by PrepareMerge: serves nothing until the merge commits (and this replica retires) or rolls back. */
    private volatile boolean frozen;
    /** Added to a running region and not yet initialised by a RaftSnapshot: owns no keys, serves nothing. */
    private volatile boolean awaitingSnapshot;
    /** The latest consistency-check hash of this replica's data (null: none computed since start). */
    private volatile RegionHash lastHash;
    /** Why the PD quarantined this replica (its data differs from the other replicas'); null when it is not. */
    private volatile String quarantined;

    public RegionPeer(RegionState initial, long storeId, Engine engine, StoreDirectory directory, RegionHost host,
                      Executor kvExecutor, long snapshotEveryEntries) {
        this.region = initial.region();
        this.initialRegion = initial.initialRegion();
        this.frozen = initial.isMerging();
        this.awaitingSnapshot = initial.awaitingSnapshot();
        this.peerId = initial.peerId();
        this.storeId = storeId;
        this.engine = engine;
        this.directory = directory;
        this.host = host;
        this.kvExecutor = kvExecutor;
        this.snapshotEveryEntries = snapshotEveryEntries;
    }

    /** Binds the Raft group once it is started (the group needs this peer as its listener first). */
    public void attach(RaftGroup group, ApplyStats applyStats) {
        this.stats = applyStats;
        this.raftGroup = group;
    }

    /** Reads and writes served since the last report. */
    public RegionLoad load() {
        return load;
    }

    /** The store's engine, for size estimates and split keys. */
    public Engine engine() {
        return engine;
    }

    public ApplyStats stats() {
        return stats;
    }

    public Region region() {
        return region;
    }

    /** The region at log index 0: what a new replica of it must be created from. */
    public Region initialRegion() {
        return initialRegion;
    }

    public long regionId() {
        return region.regionId();
    }

    public long peerId() {
        return peerId;
    }

    public RaftGroup raftGroup() {
        return raftGroup;
    }

    public boolean isLeader() {
        RaftGroup group = raftGroup;
        return group != null && group.isLeader();
    }

    public boolean isFailed() {
        return failed != null;
    }

    /**
     * True while this replica, added to a running region, waits for its first RaftSnapshot: its {@link #region()} is
     * only the PD's description of the region it joins, and it owns none of that range's keys yet.
     */
    public boolean isAwaitingSnapshot() {
        return awaitingSnapshot;
    }

    /** The latest consistency-check hash computed here, if any. */
    public java.util.Optional<RegionHash> lastHash() {
        return java.util.Optional.ofNullable(lastHash);
    }

    /** True once the PD quarantined this replica: it serves nothing and gives up leadership until replaced. */
    public boolean isQuarantined() {
        return quarantined != null;
    }

    /**
     * Quarantines this replica: its data differs from the region's other replicas (the consistency check). It
     * answers no request from now on and hands its leadership to another voter; the PD replaces it. Kept in memory:
     * the PD repeats the instruction until the replica is gone.
     */
    public void quarantine(String reason) {
        if (quarantined == null) {
            LOG.error("region {} replica {} quarantined: {}", regionId(), peerId, reason);
        }
        quarantined = reason;
        kvExecutor.execute(this::handLeadershipAway);
    }

    private void handLeadershipAway() {
        RaftGroup group = raftGroup;
        if (quarantined == null || group == null || !group.isLeader()) {
            return;
        }
        region.voters().stream().filter(p -> p.storeId() != storeId).findFirst().ifPresent(to ->
                group.transferLeader(to.storeId()).whenComplete((v, e) -> {
                    if (e != null) {
                        LOG.warn("quarantined region {} replica {} could not hand its leadership to store {}: {}",
                                regionId(), peerId, to.storeId(), e.getMessage());
                    }
                }));
    }

    /** True while frozen for a merge (PrepareMerge applied, neither committed nor rolled back). */
    public boolean isFrozen() {
        return frozen;
    }

    /**
     * Proposes a data command routed with {@code epoch}. Completes with the apply result, or exceptionally with a
     * region error (fix the route and retry), ServerBusy, UnknownResult, or ReplicaFatal.
     */
    public CompletableFuture<CommandResult> propose(RegionEpoch epoch, Command command, List<Key> keys) {
        return propose(epoch, command, keys, null);
    }

    /**
     * As {@link #propose(RegionEpoch, Command, List)}, for a Put, Delete or Batch whose mutations {@code writes}
     * names (null: none), so that a retried copy applies them at most once.
     */
    public CompletableFuture<CommandResult> propose(RegionEpoch epoch, Command command, List<Key> keys,
                                                    io.rangekv.store.command.ClientWrites writes) {
        Region current = region;
        KvException refused = checkWrite(current, epoch, keys);
        if (refused != null) {
            return CompletableFuture.failedFuture(refused);
        }
        load.recordWrite(command);
        return raftGroup.propose(new Proposal(current.regionId(), current.epoch(), command, writes))
                .thenApplyAsync(this::unwrap, kvExecutor);
    }

    /** Proposes a split of this region at {@code splitKey}; leader only. */
    public CompletableFuture<CommandResult> split(Key splitKey, long newRegionId, List<Long> newPeerIds) {
        Region current = region;
        if (!current.range().isStrictlyInside(splitKey)) {
            return CompletableFuture.failedFuture(new RegionException.KeyNotInRegion(splitKey, current));
        }
        return proposeShapeChange(new Command.Split(splitKey, newRegionId, newPeerIds));
    }

    /**
     * Proposes a command about the region itself (split, merge steps, a consistency check) at the current epoch;
     * leader only. Completes with
     * the apply result; a rejection at apply (the epoch moved on, the region is frozen) completes exceptionally.
     */
    public CompletableFuture<CommandResult> proposeShapeChange(Command command) {
        Region current = region;
        KvException refused = checkAlive(current);
        if (refused == null && !isLeader()) {
            refused = notLeader();
        }
        if (refused != null) {
            return CompletableFuture.failedFuture(refused);
        }
        return raftGroup.propose(new Proposal(current.regionId(), current.epoch(), command))
                .thenApplyAsync(this::unwrap, kvExecutor);
    }

    /**
     * Replaces the region's peer list (one step: add a learner, promote it, or remove a peer) and the Raft
     * membership with it. Leader only.
     *
     * <p>Order: an addition or a promotion records the new peer list first, then drives the Raft membership to
     * match. A removal changes the Raft membership first and records the peer list after: a replica that applies
     * its own removal retires at once, so recording first let it stop while the library's joint configuration still
     * needed its vote. With two voters that can never commit, and the region lost its quorum for good (the
     * scale-out scenario, a 1-replica region moved off the first store: bench/results/2026-12-03-afef95a-scale-out).
     * Removed first from the Raft group, the replica never applies the new list; the PD sees it hosting a region
     * that no longer lists it and has it destroyed ({@link RegionRegistry#destroyStray}).
     */
    public CompletableFuture<Region> changePeers(List<Peer> peers) {
        Region current = region;
        KvException refused = checkAlive(current);
        if (refused == null && !isLeader()) {
            refused = notLeader();
        }
        if (refused != null) {
            return CompletableFuture.failedFuture(refused);
        }
        Set<Long> kept = peers.stream().map(Peer::peerId).collect(Collectors.toSet());
        boolean removes = current.peers().stream().anyMatch(p -> !kept.contains(p.peerId()));
        if (removes) {
            return driveMembership(current.withPeers(peers, current.epoch().withNextConfVersion()))
                    .thenComposeAsync(v -> recordPeers(current, peers), kvExecutor);
        }
        return recordPeers(current, peers).thenComposeAsync(changed -> driveMembership(changed)
                .thenApply(v -> changed), kvExecutor);
    }

    private CompletableFuture<Region> recordPeers(Region current, List<Peer> peers) {
        return raftGroup.propose(new Proposal(current.regionId(), current.epoch(), new Command.ChangePeers(peers)))
                .thenApplyAsync(this::unwrap, kvExecutor)
                .thenApply(result -> ((CommandResult.RegionChanged) result).left());
    }

    /**
     * Drives the Raft membership to {@code desired}, nudging the group while the change is in flight.
     *
     * <p>Why the nudge: JRaft declares a new voter caught up only when an AppendEntries carrying entries returns. If
     * the new peer's first probe answers before the library starts waiting, and the region is idle, only heartbeats
     * flow and the library waits (and retries the wait) forever. A no-op entry (an empty batch) every half second
     * makes entries flow; it changes no data.
     */
    private CompletableFuture<Void> driveMembership(Region desired) {
        CompletableFuture<Void> change = raftGroup.changeMembership(desired);
        nudgeWhilePending(change, 0);
        return change;
    }

    private void nudgeWhilePending(CompletableFuture<Void> change, int attempt) {
        if (change.isDone() || attempt >= MAX_MEMBERSHIP_NUDGES) {
            return;
        }
        CompletableFuture.runAsync(() -> {
            if (change.isDone() || !isLeader()) {
                return;
            }
            Region current = region;
            raftGroup.propose(new Proposal(current.regionId(), current.epoch(), new Command.Batch(List.of())));
            nudgeWhilePending(change, attempt + 1);
        }, CompletableFuture.delayedExecutor(MEMBERSHIP_NUDGE.toMillis(), TimeUnit.MILLISECONDS, kvExecutor));
    }

    /**
     * Waits until this replica may serve a read at {@code consistency}, then runs {@code read} against the engine
     * on the store-kv executor. The keys (or range) are checked against the region both before and after the wait.
     */
    public <T> CompletableFuture<T> read(RegionEpoch epoch, ReadConsistency consistency, List<Key> keys,
                                         Function<EngineReader, T> read) {
        Region before = region;
        KvException refused = checkRead(before, epoch, keys, consistency);
        if (refused != null) {
            return CompletableFuture.failedFuture(refused);
        }
        load.recordRead(Math.max(1, keys.size()));
        return raftGroup.awaitReadable(consistency).thenApplyAsync(v -> {
            KvException late = checkRead(region, epoch, keys, ReadConsistency.STALE);
            if (late != null) {
                throw late;
            }
            return read.apply(engine);
        }, kvExecutor);
    }

    private KvException checkWrite(Region current, RegionEpoch epoch, List<Key> keys) {
        KvException refused = checkServing(current);
        if (refused == null) {
            refused = checkShape(current, epoch, keys);
        }
        if (refused == null && !isLeader()) {
            refused = notLeader();
        }
        return refused;
    }

    private KvException checkRead(Region current, RegionEpoch epoch, List<Key> keys, ReadConsistency consistency) {
        KvException refused = checkServing(current);
        if (refused == null) {
            refused = checkShape(current, epoch, keys);
        }
        boolean leaderOnly = consistency == ReadConsistency.LINEARIZABLE || consistency == ReadConsistency.LEASE;
        if (refused == null && leaderOnly && !isLeader()) {
            refused = notLeader();
        }
        return refused;
    }

    private KvException checkAlive(Region current) {
        if (failed != null) {
            return failed;
        }
        if (raftGroup == null || awaitingSnapshot || quarantined != null) {
            return new RegionException.RegionNotFound(current.regionId());
        }
        return null;
    }

    /** Alive and not frozen for a merge: may serve reads and writes. */
    private KvException checkServing(Region current) {
        KvException refused = checkAlive(current);
        if (refused == null && frozen) {
            refused = io.rangekv.error.RetryableException.serverBusy(java.time.Duration.ofMillis(50),
                    "region " + current.regionId() + " is frozen for a merge");
        }
        return refused;
    }

    /** Epoch first (a split changes the version), then every key against the range. */
    private KvException checkShape(Region current, RegionEpoch epoch, List<Key> keys) {
        if (epoch.version() != current.epoch().version()) {
            return epochNotMatch(current, epoch, keys);
        }
        for (Key key : keys) {
            if (!current.contains(key)) {
                return new RegionException.KeyNotInRegion(key, current);
            }
        }
        return null;
    }

    /**
     * The regions the caller should learn about: this one as it is now, plus every region on this store that holds
     * one of the request's keys (typically the other half of a split the caller has not seen).
     */
    private KvException epochNotMatch(Region current, RegionEpoch epoch, List<Key> keys) {
        java.util.Map<Long, Region> regions = new java.util.TreeMap<>();
        regions.put(current.regionId(), current);
        for (Key key : keys) {
            for (Region r : host.regionsOverlapping(new KeyRange(key, Key.EMPTY))) {
                if (r.contains(key)) {
                    regions.put(r.regionId(), r);
                }
            }
        }
        return new RegionException.EpochNotMatch(current.regionId(), List.copyOf(regions.values()),
                "request epoch " + epoch + " but region " + current.regionId() + " is at " + current.epoch());
    }

    /** The region's leader as this replica knows it (possibly this replica), when known. */
    public java.util.Optional<Peer> leaderPeer() {
        RaftGroup group = raftGroup;
        OptionalLong leaderStore = group == null ? OptionalLong.empty() : group.leaderStoreId();
        return leaderStore.isEmpty() ? java.util.Optional.empty() : region.peerOnStore(leaderStore.getAsLong());
    }

    /** NotLeader with the best hint we have: the leader's peer and KV address when the group knows another one. */
    public RegionException.NotLeader notLeader() {
        Region current = region;
        Peer leader = leaderPeer().filter(p -> p.storeId() != storeId).orElse(null);
        String address = leader == null ? "" : directory.store(leader.storeId()).map(Store::kvAddress).orElse("");
        return new RegionException.NotLeader(current.regionId(), leader, address);
    }

    private CommandResult unwrap(CommandResult result) {
        if (result instanceof CommandResult.Rejected rejected) {
            throw rejected.error();
        }
        return result;
    }

    // ---- ApplyListener: the Raft library's apply thread ----

    @Override
    public void onFlushed(CommandApplier.FlushOutcome outcome) {
        region = outcome.state().region();
        frozen = outcome.state().isMerging();
        // Whether this replica leads is local, not applied state: it picks which child replica campaigns first, never
        // what any replica stores. A stale leader (or a leader replaying the split after a restart) that campaigns
        // for a child already led is refused at pre-vote, and the first heartbeat it hears ends its campaign.
        boolean campaign = !outcome.createdRegions().isEmpty() && isLeader();
        for (CommandApplier.CreatedRegion child : outcome.createdRegions()) {
            host.startSplitChild(region.regionId(), child.splitIndex(), child.state(), campaign);
        }
        host.applied(region.regionId(), outcome.state().appliedIndex());
        if (outcome.state().tombstone()) {
            LOG.info("region {} peer {} was removed from the region; retiring it", regionId(), peerId);
            host.retire(this);
            return;
        }
        if (!outcome.mergedSourceIds().isEmpty()) {
            retireMergedSources(outcome.mergedSourceIds());
            return;
        }
        long applied = outcome.state().appliedIndex();
        long last = lastSnapshotRequestIndex.get();
        if (applied - last >= snapshotEveryEntries && raftGroup != null
                && lastSnapshotRequestIndex.compareAndSet(last, applied)) {
            raftGroup.snapshot().whenComplete((v, e) -> {
                if (e != null) {
                    LOG.debug("region {} log-size snapshot did not run: {}", regionId(), e.getMessage());
                }
            });
        }
    }

    /**
     * After a merge: a RaftSnapshot of the merged region first, so that the log no longer needs the source replica
     * (a memory-engine store rebuilds from it, and a replica added later installs it instead of replaying the merge),
     * then the source replica on this store stops. Its data stays: it is now this region's.
     */
    private void retireMergedSources(List<Long> sourceIds) {
        lastSnapshotRequestIndex.set(stats == null ? 0 : stats.appliedIndex());
        raftGroup.snapshot().whenComplete((v, e) -> {
            if (e != null) {
                LOG.warn("region {} could not snapshot after its merge ({}); retiring the sources anyway", regionId(),
                        e.getMessage());
            }
            sourceIds.forEach(host::retireMerged);
        });
    }

    @Override
    public void onSnapshotInstalled(RegionState state) {
        region = state.region();
        frozen = state.isMerging();
        initialRegion = state.initialRegion();
        awaitingSnapshot = false;
        host.applied(region.regionId(), state.appliedIndex());
    }

    @Override
    public void onLeaderStart() {
        // A leader that took over mid-change finishes it: Raft membership follows the applied peer list.
        kvExecutor.execute(this::reconcileMembership);
        kvExecutor.execute(this::handLeadershipAway);
    }

    @Override
    public void onHashComputed(RegionHash hash) {
        RegionHash previous = lastHash;
        if (previous == null || hash.appliedIndex() > previous.appliedIndex()) {
            lastHash = hash;
        }
    }

    /**
     * Leader only: drives the Raft membership to the applied peer list, finishing a change whose second step did
     * not run (a leader change, a failed step the PD repeats).
     */
    public CompletableFuture<Void> reconcileMembership() {
        RaftGroup group = raftGroup;
        if (group == null || !group.isLeader()) {
            return CompletableFuture.completedFuture(null);
        }
        Region current = region;
        return driveMembership(current).whenComplete((v, e) -> {
            if (e != null) {
                LOG.warn("region {} could not reconcile membership to {}: {}", regionId(), current.peers(),
                        e.getMessage());
            }
        });
    }

    @Override
    public void onLeaderStop() {
    }

    /** Keeps the first cause: the library's own error report follows the apply failure and says less. */
    @Override
    public synchronized void onFatal(Throwable cause) {
        if (failed == null) {
            failed = cause instanceof ReplicaFatalException rf ? rf
                    : new ReplicaFatalException(ErrorKind.REPLICA_FATAL, String.valueOf(cause.getMessage()), cause);
        }
    }
}
