package io.rangekv.pd.schedule;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A sequence of {@link Step}s on one region, created by a scheduler or an admin, with why it was created and how it
 * ended. Advanced only by {@link OperatorController} (one thread).
 */
public final class Operator {
    public enum Status { RUNNING, SUCCEEDED, TIMED_OUT, CANCELLED }

    /**
     * Kinds that only improve the layout (balance, hot-region spreading, merge): they wait out a region's cool-down.
     * Repairs, rollbacks and admin requests never wait.
     */
    private static final Set<String> OPTIONAL_KINDS = Set.of("balance-leader", "balance-region", "hot-leader",
            "merge");

    /** The kind of operator that re-creates elsewhere a replica of a DOWN, removed or draining store. */
    public static final String REPAIR = "repair-replica";

    private final long operatorId;
    private final long regionId;
    private final String kind;
    private final String reason;
    private final List<Step> steps;
    private final long createdAtNanos;
    private int current;
    private Status status = Status.RUNNING;
    private String outcome = "";
    private long endedAtNanos;
    /** A merge's target epoch once the commit was first sent: from then on it is never rolled back. */
    private io.rangekv.meta.RegionEpoch commitEpoch;

    public Operator(long operatorId, long regionId, String kind, String reason, List<Step> steps, long createdAtNanos) {
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("an operator needs at least one step");
        }
        this.operatorId = operatorId;
        this.regionId = regionId;
        this.kind = kind;
        this.reason = reason;
        this.steps = List.copyOf(steps);
        this.createdAtNanos = createdAtNanos;
    }

    public long operatorId() {
        return operatorId;
    }

    public long regionId() {
        return regionId;
    }

    public String kind() {
        return kind;
    }

    public String reason() {
        return reason;
    }

    public List<Step> steps() {
        return steps;
    }

    public Step currentStep() {
        return steps.get(current);
    }

    public int currentIndex() {
        return current;
    }

    public Status status() {
        return status;
    }

    public String outcome() {
        return outcome;
    }

    public long createdAtNanos() {
        return createdAtNanos;
    }

    public long endedAtNanos() {
        return endedAtNanos;
    }

    public boolean isOptional() {
        return OPTIONAL_KINDS.contains(kind);
    }

    /** The region a merge operator merges its region into; 0 for other operators. */
    public long mergeTarget() {
        return steps.stream().filter(s -> s instanceof Step.CommitMerge).map(s -> ((Step.CommitMerge) s)
                .targetRegionId()).findFirst().orElse(0L);
    }

    /**
     * The target epoch the merge commit was last sent at; null while it was never sent. Once sent, the commit may
     * land at any time, so the operator is never rolled back nor timed out: it ends when the target covers the
     * source (a target that moved on before the commit applied is sent it again at its new epoch).
     */
    io.rangekv.meta.RegionEpoch commitEpoch() {
        return commitEpoch;
    }

    void commitSentAt(io.rangekv.meta.RegionEpoch epoch) {
        commitEpoch = epoch;
    }

    /**
     * Every store a step puts work on (for the per-store limit). A repair's removal is not counted: it drops the
     * replica of a store that is gone (or being drained), which does no work for it. Counting it let four repairs
     * stuck on a slow region hold every other repair of a dead store's replicas until they timed out.
     */
    public Set<Long> stores() {
        Set<Long> stores = new TreeSet<>();
        for (Step s : steps) {
            if (s instanceof Step.AddLearner a) {
                stores.add(a.learner().storeId());
            } else if (s instanceof Step.RemovePeer r && !kind.equals(REPAIR)) {
                stores.add(r.storeId());
            } else if (s instanceof Step.TransferLeader t) {
                stores.add(t.toStoreId());
            }
        }
        return stores;
    }

    /**
     * Stores the steps not yet done need alive: where a learner is added and promoted, where the leadership goes.
     * Removing a replica needs nothing from its store, so a repair of a dead store has no participant there.
     */
    public Set<Long> participants() {
        Set<Long> stores = new TreeSet<>();
        for (Step s : steps.subList(current, steps.size())) {
            if (s instanceof Step.AddLearner a) {
                stores.add(a.learner().storeId());
            } else if (s instanceof Step.PromoteLearner p) {
                learnerStore(p.peerId()).ifPresent(stores::add);
            } else if (s instanceof Step.TransferLeader t) {
                stores.add(t.toStoreId());
            }
        }
        return stores;
    }

    private java.util.Optional<Long> learnerStore(long peerId) {
        return steps.stream().filter(s -> s instanceof Step.AddLearner a && a.learner().peerId() == peerId)
                .map(s -> ((Step.AddLearner) s).learner().storeId()).findFirst();
    }

    /** Moves past every step the region already shows done; true when all are. */
    boolean advance(RegionView region) {
        while (current < steps.size() && steps.get(current).isDone(region)) {
            current++;
        }
        return current == steps.size();
    }

    void end(Status newStatus, String why, long nowNanos) {
        status = newStatus;
        outcome = why;
        endedAtNanos = nowNanos;
        current = Math.min(current, steps.size() - 1);
    }

    @Override
    public String toString() {
        return "operator " + operatorId + " " + kind + " region " + regionId + " (" + reason + ") step "
                + (current + 1) + "/" + steps.size() + " " + status + (outcome.isEmpty() ? "" : ": " + outcome);
    }
}
