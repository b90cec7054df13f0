package io.rangekv.pd.schedule;

import io.rangekv.meta.Region;
import io.rangekv.meta.StoreState;
import io.rangekv.proto.gen.PdProto;
import io.rangekv.time.Clock;
import io.rangekv.wire.MetaCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs operators: at most one per region, at most {@code maxPerStore} touching any store, each bounded by a timeout.
 * Every region heartbeat advances the region's operator past the steps the report shows done and yields the
 * instruction for the step that is not; a store heartbeat yields the replicas it must create for an operator. An
 * operator that times out after adding a learner it never promoted leaves a rollback that removes the learner.
 * Finished operators stay in a bounded history with how they ended.
 *
 * <p>Soft state of the PD leader; thread-safe (synchronized: heartbeats, the scheduler and admin reads).
 */
@io.rangekv.concurrent.ThreadSafe
public final class OperatorController {
    private static final Logger LOG = LoggerFactory.getLogger(OperatorController.class);
    private static final int HISTORY = 500;

    private final Clock clock;
    private final int maxPerStore;
    private final Duration timeout;
    private final Duration regionCoolDown;
    /** When the last operator on each region ended (for the cool-down). */
    private final Map<Long, Long> endedAtByRegion = new HashMap<>();
    private final AtomicLong nextId = new AtomicLong();
    private final Map<Long, Operator> byRegion = new HashMap<>();
    private final Map<Long, Region> initialRegions = new HashMap<>();
    private final Deque<Operator> history = new ArrayDeque<>();

    public OperatorController(Clock clock, int maxPerStore, Duration timeout) {
        this(clock, maxPerStore, timeout, Duration.ZERO);
    }

    public OperatorController(Clock clock, int maxPerStore, Duration timeout, Duration regionCoolDown) {
        this.clock = clock;
        this.maxPerStore = maxPerStore;
        this.timeout = timeout;
        this.regionCoolDown = regionCoolDown;
    }

    public long newOperatorId() {
        return nextId.incrementAndGet();
    }

    public long now() {
        return clock.nanoTime();
    }

    /**
     * Starts {@code op} unless its region has one running (or is the target of a running merge), a merge's target
     * is busy, a store it touches is at the limit, or it is optional and its region is cooling down.
     */
    public synchronized boolean admit(Operator op) {
        if (hasOperator(op.regionId()) || (op.mergeTarget() != 0 && hasOperator(op.mergeTarget()))) {
            return false;
        }
        if (op.isOptional() && (coolingDown(op.regionId()) || coolingDown(op.mergeTarget()))) {
            return false;
        }
        for (long store : op.stores()) {
            if (runningOn(store) >= maxPerStore) {
                return false;
            }
        }
        byRegion.put(op.regionId(), op);
        LOG.info("started {}", op);
        return true;
    }

    /** True when an operator runs on the region, or the region is the target of a running merge. */
    public synchronized boolean hasOperator(long regionId) {
        return byRegion.containsKey(regionId) || mergeInto(regionId) != null;
    }

    /**
     * True when a replica of the region on the store, unlisted in the region, belongs to a running operator rather
     * than being a stray: the operator had the store create it (its learner, before the AddLearner commits), or the
     * region takes part in a merge (whose commit still needs the source's replicas). Any other unlisted replica is
     * an old one, even while an operator runs: that operator may itself be waiting for it to go (an AddLearner on
     * its store), so sparing it would deadlock the two until the operator timed out.
     */
    public synchronized boolean claimsReplica(long regionId, long storeId) {
        Operator op = byRegion.get(regionId);
        if (mergeInto(regionId) != null || (op != null && op.steps().stream()
                .anyMatch(s -> s instanceof Step.CommitMerge || s instanceof Step.RollbackMerge))) {
            return true;
        }
        return op != null && createsSent.getOrDefault(op.operatorId(), Set.of()).contains(storeId);
    }

    private Operator mergeInto(long targetRegionId) {
        for (Operator op : byRegion.values()) {
            if (op.mergeTarget() == targetRegionId) {
                return op;
            }
        }
        return null;
    }

    /** True when an operator on the region ended less than {@code regionCoolDown} ago. */
    public synchronized boolean coolingDown(long regionId) {
        Long ended = endedAtByRegion.get(regionId);
        return ended != null && clock.nanoTime() - ended < regionCoolDown.toNanos();
    }

    private long runningOn(long storeId) {
        return byRegion.values().stream().filter(o -> o.stores().contains(storeId)).count();
    }

    /** Advances the region's operator from a leader's report; the instruction to send, if any. */
    public synchronized Optional<PdProto.RegionInstruction> onRegionReport(RegionView reported, Region initial) {
        if (initial != null) {
            initialRegions.put(reported.regionId(), initial);
        }
        Region seen = lastReported.get(reported.regionId());
        if (seen != null && reported.region().epoch().isStaleComparedTo(seen.epoch())) {
            // A stale leader's view (it has not applied what a newer report showed): it says nothing about where
            // the region is now, so it neither advances nor ends an operator.
            return Optional.empty();
        }
        RegionView region = reported.withFrozenOn(frozenOn(reported.regionId()));
        lastReported.put(region.regionId(), region.region());
        Operator merge = mergeInto(region.regionId());
        if (merge != null) {
            return commitMerge(merge, region);
        }
        Operator op = byRegion.get(region.regionId());
        if (op == null) {
            return Optional.empty();
        }
        if (op.advance(region)) {
            finish(op, Operator.Status.SUCCEEDED, "done");
            return Optional.empty();
        }
        PdProto.RegionInstruction.Builder b = PdProto.RegionInstruction.newBuilder()
                .setRegionId(region.regionId()).setEpoch(MetaCodec.toProto(region.region().epoch()))
                .setReason(op.kind() + " (operator " + op.operatorId() + ": " + op.reason() + ")");
        if (op.currentStep() instanceof Step.AddLearner a && hostsOldReplica(a.learner().storeId(), region)
                && !createsSent.getOrDefault(op.operatorId(), Set.of()).contains(a.learner().storeId())) {
            // The store still runs a replica this region removed earlier (not one this operator had it create):
            // the Raft library knows peers by address, so that old group would silently act as the new learner
            // and never catch up from the right state. Wait until the PD's replica hygiene has destroyed it.
            return Optional.empty();
        }
        Step.Action action = op.currentStep().action(region);
        if (action instanceof Step.Action.ChangePeers c) {
            if (op.currentStep() instanceof Step.PromoteLearner p && !learnerHosted(region, p.peerId())) {
                return Optional.empty(); // the new replica is not running yet: promoting now would only stall
            }
            b.setChangePeers(PdProto.ChangePeers.newBuilder().addAllPeers(MetaCodec.peersToProto(c.peers())));
        } else if (action instanceof Step.Action.TransferLeader t) {
            b.setTransferLeader(PdProto.TransferLeader.newBuilder().setToStoreId(t.toStoreId()));
        } else if (action instanceof Step.Action.PrepareMerge p) {
            b.setPrepareMerge(PdProto.PrepareMerge.newBuilder().setTargetRegionId(p.targetRegionId()));
        } else if (action instanceof Step.Action.RollbackMerge) {
            b.setRollbackMerge(PdProto.RollbackMerge.getDefaultInstance());
        } else {
            return Optional.empty();
        }
        return Optional.of(b.build());
    }

    private final Map<Long, Set<Long>> hostedByStore = new HashMap<>();
    /** Stores each running operator told to create its learner's replica (a replica hosted there is that one). */
    private final Map<Long, Set<Long>> createsSent = new HashMap<>();
    private final Map<Long, Set<Long>> frozenByStore = new HashMap<>();
    /** The last descriptor each region's leader reported (a merge commit names its source as frozen). */
    private final Map<Long, Region> lastReported = new HashMap<>();

    private Set<Long> frozenOn(long regionId) {
        Set<Long> stores = new java.util.TreeSet<>();
        frozenByStore.forEach((store, frozen) -> {
            if (frozen.contains(regionId)) {
                stores.add(store);
            }
        });
        return stores;
    }

    /**
     * The target's side of a merge: once the source is frozen on every replica, ask the target's leader to commit.
     * The merge is done when the target covers the source.
     *
     * <p>Before the commit is first sent, a target that no longer borders the source (it split) makes the merge
     * impossible: it is cancelled and the source thawed. Once the commit was sent it is never rolled back, whatever
     * the target reports: a thawed source serving writes next to a target that took over its keys would split the
     * range's data in two. Only reports not older than the last one get here (see {@link #onRegionReport}).
     */
    private Optional<PdProto.RegionInstruction> commitMerge(Operator merge, RegionView target) {
        Region source = lastReported.get(merge.regionId());
        if (source != null && target.region().range().covers(source.range())) {
            finish(merge, Operator.Status.SUCCEEDED, "region " + merge.regionId() + " merged into region "
                    + target.regionId() + " " + target.region().range());
            return Optional.empty();
        }
        if (source == null) {
            return Optional.empty();
        }
        // The freeze may have completed since the source last reported: judge it from the store reports now.
        RegionView frozenSource = new RegionView(source, Optional.empty()).withFrozenOn(frozenOn(source.regionId()));
        merge.advance(frozenSource);
        if (!(merge.currentStep() instanceof Step.CommitMerge)) {
            return Optional.empty();
        }
        boolean borders = target.region().range().joinWith(source.range()).isPresent();
        if (merge.commitEpoch() == null) {
            if (!borders) {
                finish(merge, Operator.Status.CANCELLED, "region " + target.regionId() + " "
                        + target.region().range() + " no longer borders region " + source.regionId() + " "
                        + source.range() + "; no commit was sent");
                admitRollback(merge, "the target moved on before the merge commit was sent");
                return Optional.empty();
            }
            merge.commitSentAt(target.region().epoch());
        } else if (!merge.commitEpoch().equals(target.region().epoch())) {
            if (!commitCanMoveTo(merge.commitEpoch(), source, frozenSource, target, borders)) {
                return Optional.empty(); // hold: the source stays frozen until the target can take it over
            }
            LOG.info("merge {}: region {} moved from {} to {} before the commit applied; sending it again at {}",
                    merge.operatorId(), target.regionId(), merge.commitEpoch(), target.region().epoch(),
                    target.region().epoch());
            merge.commitSentAt(target.region().epoch());
        }
        return Optional.of(PdProto.RegionInstruction.newBuilder()
                .setRegionId(target.regionId()).setEpoch(MetaCodec.toProto(merge.commitEpoch()))
                .setReason(merge.kind() + " (operator " + merge.operatorId() + ": " + merge.reason() + ")")
                .setCommitMerge(PdProto.CommitMerge.newBuilder().setSource(MetaCodec.toProto(source))).build());
    }

    /**
     * True when a commit sent at {@code sentAt} can be sent again at the target's newer epoch. The store proposes a
     * commit only at the epoch it names and applies it only at that exact epoch, so once the target is past it
     * that commit is dead; it has not landed either, as long as the target's version is not past what a merge
     * makes (the higher of the two versions, plus one: a landed merge covers the source, and only a later split
     * could uncover it). The new commit then needs a target that still borders the source and whose every
     * replica's store holds the frozen source.
     */
    private static boolean commitCanMoveTo(io.rangekv.meta.RegionEpoch sentAt, Region source, RegionView frozenSource,
                                           RegionView target, boolean borders) {
        io.rangekv.meta.RegionEpoch now = target.region().epoch();
        boolean newer = !now.isStaleComparedTo(sentAt);
        boolean mergeNeverLanded = now.version() <= Math.max(sentAt.version(), source.epoch().version());
        boolean aligned = target.region().peers().stream()
                .allMatch(p -> frozenSource.frozenOn().contains(p.storeId()));
        return newer && mergeNeverLanded && borders && aligned;
    }

    private void admitRollback(Operator merge, String why) {
        Operator rollback = new Operator(newOperatorId(), merge.regionId(), "rollback-merge",
                "undo operator " + merge.operatorId() + ": " + why, List.of(new Step.RollbackMerge()),
                clock.nanoTime());
        byRegion.put(rollback.regionId(), rollback);
        LOG.info("started {}", rollback);
    }

    private boolean hostsOldReplica(long storeId, RegionView region) {
        return hostedByStore.getOrDefault(storeId, Set.of()).contains(region.regionId())
                && region.region().peerOnStore(storeId).isEmpty();
    }

    private boolean learnerHosted(RegionView region, long peerId) {
        return region.region().peer(peerId)
                .map(p -> hostedByStore.getOrDefault(p.storeId(), Set.of()).contains(region.regionId()))
                .orElse(false);
    }

    /** Replicas {@code storeId} must create for running operators (their learners it does not host yet). */
    public synchronized List<PdProto.StoreInstruction> onStoreReport(long storeId, Set<Long> hosted,
                                                                  Set<Long> frozen) {
        hostedByStore.put(storeId, Set.copyOf(hosted));
        frozenByStore.put(storeId, Set.copyOf(frozen));
        List<PdProto.StoreInstruction> out = new ArrayList<>();
        for (Operator op : byRegion.values()) {
            Region initial = initialRegions.get(op.regionId());
            if (initial == null || hosted.contains(op.regionId())) {
                continue;
            }
            for (Step s : op.steps().subList(0, Math.min(op.currentIndex() + 2, op.steps().size()))) {
                if (s instanceof Step.AddLearner a && a.learner().storeId() == storeId) {
                    createsSent.computeIfAbsent(op.operatorId(), id -> new java.util.HashSet<>()).add(storeId);
                    out.add(PdProto.StoreInstruction.newBuilder().setCreateReplica(PdProto.CreateReplica.newBuilder()
                            .setRegion(MetaCodec.toProto(initial)).setPeerId(a.learner().peerId())).build());
                }
            }
        }
        return out;
    }

    /** Ends operators past their timeout; returns rollbacks to admit (remove a learner never promoted). */
    public synchronized List<Operator> expire(Map<Long, RegionView> regions) {
        List<Operator> rollbacks = new ArrayList<>();
        long now = clock.nanoTime();
        for (Operator op : List.copyOf(byRegion.values())) {
            if (now - op.createdAtNanos() <= timeout.toNanos() || op.commitEpoch() != null) {
                continue; // a merge whose commit was sent may still land: it never times out
            }
            finish(op, Operator.Status.TIMED_OUT, "stalled at step " + (op.currentIndex() + 1) + " "
                    + op.currentStep() + " for over " + timeout.toSeconds() + " s");
            rollbacks.addAll(rollbacksOf(op, regions.get(op.regionId()), now));
        }
        return rollbacks;
    }

    /**
     * Cancels operators that still need a store which is not UP: a leader sent to a killed store never arrives,
     * and a learner there never catches up. Waiting for the timeout instead held the region for minutes, and a
     * region with an operator gets no repair: in CI a leader balance aimed at the store just killed kept its region
     * on the dead replica for the whole two-minute wait. Returns the same rollbacks as a timeout.
     */
    public synchronized List<Operator> cancelStranded(ClusterView view, Map<Long, RegionView> regions) {
        List<Operator> rollbacks = new ArrayList<>();
        long now = clock.nanoTime();
        for (Operator op : List.copyOf(byRegion.values())) {
            if (op.commitEpoch() != null) {
                continue; // a sent merge commit may still land: only the target's epoch decides it
            }
            Optional<Long> stranded = op.participants().stream()
                    .filter(store -> view.state(store) != StoreState.UP).findFirst();
            if (stranded.isPresent()) {
                finish(op, Operator.Status.CANCELLED, "step " + (op.currentIndex() + 1) + " " + op.currentStep()
                        + " needs store " + stranded.get() + ", which is " + view.state(stranded.get()));
                rollbacks.addAll(rollbacksOf(op, regions.get(op.regionId()), now));
            }
        }
        return rollbacks;
    }

    /** What undoes an operator ended early: thaw a merge's source, remove a learner it added but never promoted. */
    private List<Operator> rollbacksOf(Operator op, RegionView region, long now) {
        List<Operator> rollbacks = new ArrayList<>();
        if (op.mergeTarget() != 0 && !(op.currentStep() instanceof Step.AddLearner
                || op.currentStep() instanceof Step.PromoteLearner || op.currentStep() instanceof Step.RemovePeer)) {
            rollbacks.add(new Operator(newOperatorId(), op.regionId(), "rollback-merge",
                    "undo operator " + op.operatorId() + ": thaw the source", List.of(new Step.RollbackMerge()),
                    now));
        }
        for (Step s : op.steps()) {
            if (s instanceof Step.AddLearner a && region != null
                    && region.region().peer(a.learner().peerId()).filter(p -> !p.isVoter()).isPresent()) {
                rollbacks.add(new Operator(newOperatorId(), op.regionId(), "rollback",
                        "undo operator " + op.operatorId() + ": remove its learner",
                        List.of(new Step.RemovePeer(a.learner().storeId())), now));
            }
        }
        return rollbacks;
    }

    /** Cancels the region's operator (its region is gone, or an admin asked); never a merge whose commit was sent. */
    public synchronized void cancel(long regionId, String why) {
        Operator op = byRegion.get(regionId);
        if (op != null && op.commitEpoch() == null) {
            finish(op, Operator.Status.CANCELLED, why);
        }
    }

    private void finish(Operator op, Operator.Status status, String why) {
        byRegion.remove(op.regionId());
        createsSent.remove(op.operatorId());
        op.end(status, why, clock.nanoTime());
        endedAtByRegion.put(op.regionId(), op.endedAtNanos());
        if (op.mergeTarget() != 0) {
            endedAtByRegion.put(op.mergeTarget(), op.endedAtNanos());
        }
        if (endedAtByRegion.size() > 10 * HISTORY) {
            long horizon = clock.nanoTime() - regionCoolDown.toNanos();
            endedAtByRegion.values().removeIf(t -> t < horizon);
        }
        history.addFirst(op);
        while (history.size() > HISTORY) {
            history.removeLast();
        }
        LOG.info("{} after {} ms", op, (op.endedAtNanos() - op.createdAtNanos()) / 1_000_000);
    }

    public synchronized List<Operator> running() {
        return List.copyOf(byRegion.values());
    }

    public synchronized List<Operator> history() {
        return List.copyOf(history);
    }

    public synchronized void clear() {
        byRegion.clear();
        initialRegions.clear();
        hostedByStore.clear();
        frozenByStore.clear();
        lastReported.clear();
    }
}
