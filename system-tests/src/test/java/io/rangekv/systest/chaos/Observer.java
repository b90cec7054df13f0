package io.rangekv.systest.chaos;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * Watches the PD's region map once a second and records every range change it sees complete — a region that
 * appeared (a split), one that disappeared (a merge), a region whose replicas moved to other stores (a move or a
 * repair) — with the fault active at that moment, if any. It sees the admin churn's and the PD's own schedulers'
 * changes alike. A change made while the PD was unreachable is seen (and counted) at the first poll after.
 */
final class Observer {
    enum ChangeKind { SPLIT, MERGE, MOVE }

    record Change(ChangeKind kind, long regionId, long atMs, FaultKind duringFault, String detail) {
        String line(long runStartMs) {
            return String.format("%.1f\t%s\t%d\t%s\t%s", (atMs - runStartMs) / 1000.0, kind, regionId,
                    duringFault == null ? "-" : duringFault, detail);
        }
    }

    private final PdAdmin admin;
    private final Supplier<FaultEvent> activeFault;
    private final List<Change> changes = new CopyOnWriteArrayList<>();
    private volatile Map<Long, PdAdmin.Region> last = Map.of();
    private volatile Map<Long, String> lastStores = Map.of();
    private volatile long leaderChanges;
    private volatile int polls;
    private volatile int failedPolls;

    Observer(PdAdmin admin, Supplier<FaultEvent> activeFault) {
        this.admin = admin;
        this.activeFault = activeFault;
    }

    List<Change> changes() {
        return List.copyOf(changes);
    }

    Map<Long, PdAdmin.Region> regions() {
        return last;
    }

    Map<Long, String> stores() {
        return lastStores;
    }

    long leaderChanges() {
        return leaderChanges;
    }

    String pollStats() {
        return polls + " polls, " + failedPolls + " without an answer";
    }

    /** One poll: compares the region map with the previous one. */
    void poll() {
        FaultEvent during = activeFault.get();
        Optional<List<PdAdmin.Region>> now = admin.regions();
        admin.stores().ifPresent(s -> lastStores = s);
        polls++;
        if (now.isEmpty()) {
            failedPolls++;
            return;
        }
        long at = System.currentTimeMillis();
        // The fault active when the poll was sent or when it came back: the change completed by then.
        FaultEvent after = activeFault.get();
        FaultKind fault = during != null ? during.kind() : after != null ? after.kind() : null;
        Map<Long, PdAdmin.Region> cur = new TreeMap<>();
        now.get().forEach(r -> cur.put(r.id(), r));
        Map<Long, PdAdmin.Region> prev = last;
        if (!prev.isEmpty()) {
            for (PdAdmin.Region r : cur.values()) {
                PdAdmin.Region before = prev.get(r.id());
                if (before == null) {
                    changes.add(new Change(ChangeKind.SPLIT, r.id(), at, fault, r.describe()));
                } else {
                    if (!new HashSet<>(before.storeIds()).equals(new HashSet<>(r.storeIds()))) {
                        changes.add(new Change(ChangeKind.MOVE, r.id(), at, fault, before.storeIds() + " -> "
                                + r.storeIds()));
                    }
                    if (before.leaderStore() != r.leaderStore() && r.hasLeader()) {
                        leaderChanges++;
                    }
                }
            }
            Set<Long> gone = new HashSet<>(prev.keySet());
            gone.removeAll(cur.keySet());
            for (long id : gone) {
                changes.add(new Change(ChangeKind.MERGE, id, at, fault, prev.get(id).describe()));
            }
        }
        last = cur;
    }

    long count(ChangeKind kind) {
        return changes.stream().filter(c -> c.kind() == kind).count();
    }

    long countDuringFaults(ChangeKind kind) {
        return changes.stream().filter(c -> c.kind() == kind && c.duringFault() != null).count();
    }

    List<PdAdmin.Region> regionList() {
        return new ArrayList<>(last.values());
    }
}
